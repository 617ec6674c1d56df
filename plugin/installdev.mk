# installdev.mk: development virtualenvs of Python projects as Make targets, through installdev.
#
#     INSTALLDEV_PROJECTS = libdemo appdemo        # project directories; default: .
#     include path/to/plugin/installdev.mk
#
# Targets:
#   install-dev   create or update each project's venv (`installdev install-dev PROJECT --venv VENV`).
#                 The real target is the venv's stamp, PROJECT/VENV/.installdev-stamp.json, which installdev
#                 writes last; its prerequisites are pyproject.toml, setup.py, setup.cfg, the requirement
#                 and constraint files given below, and a small file recording the environment variables
#                 that can change the venv (names ending in _VENV_USE_COPIES or starting with INSTALLDEV_
#                 or VIRTUALENV_), so Make runs nothing while they are all unchanged.
#   venv-doctor   `installdev doctor PROJECT` for each project.
#   clean-venv    `installdev clean-venv PROJECT` for each project: deletes a venv only if installdev made it.
# and the same per project: install-dev-PROJECT, venv-doctor-PROJECT, clean-venv-PROJECT (PROJECT as
# written in INSTALLDEV_PROJECTS, e.g. install-dev-appdemo). Parallel make (-j) is safe: installdev
# serializes builds of one venv with a lock file beside it.
#
# Settings, for all projects or for one with the suffix _PROJECT (e.g. INSTALLDEV_EXTRAS_appdemo); paths
# are relative to the project directory. Unset settings are not passed, so the project's
# [tool.installdev] table in pyproject.toml applies; only the venv is always passed (Make needs the stamp).
#   INSTALLDEV_VENV          the venv directory                                default: venv
#   INSTALLDEV_PYTHON        interpreter to base the venv on                    default: installdev's
#   INSTALLDEV_EXTRAS        comma-separated extras                             default: installdev's (dev)
#   INSTALLDEV_REQUIREMENTS  requirement files (-r), space-separated            default: none
#   INSTALLDEV_CONSTRAINTS   constraint files (-c), space-separated             default: none
#   INSTALLDEV_ARGS          more install-dev arguments, e.g. --copies or --flag-prefix DATAHUB
#                            (not passed to doctor)
#   INSTALLDEV               how to run installdev (runs in the project directory: give an absolute path)
#                            default: `installdev` if on PATH, else $(INSTALLDEV_TOOL_PYTHON) with the
#                            absolute path of run_installdev.py beside this file
#   INSTALLDEV_TOOL_PYTHON   the python that runs run_installdev.py                default: python3
# Environment flags (INSTALLDEV_VENV_USE_COPIES=1, INSTALLDEV_FLAG_PREFIX=DATAHUB ...) are read by
# installdev itself: export them, or pass them on the make command line. `make -s` runs installdev with
# -q, `make INSTALLDEV_VERBOSE=1` with -v. Paths with spaces are not supported (a Make limitation).
# Works with GNU Make 3.81 (macOS) and later.

INSTALLDEV_MK_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

INSTALLDEV_PROJECTS ?= .
INSTALLDEV_VENV ?= venv
INSTALLDEV_TOOL_PYTHON ?= python3
ifeq ($(origin INSTALLDEV),undefined)
INSTALLDEV := $(if $(shell command -v installdev 2>/dev/null),installdev,$(INSTALLDEV_TOOL_PYTHON) $(INSTALLDEV_MK_DIR)/run_installdev.py)
endif

# `make -s`: the single-letter flags are MAKEFLAGS' first word, the only one without a leading '-'.
_installdev_verbosity = $(if $(findstring s,$(filter-out -%,$(firstword $(MAKEFLAGS)))),-q,$(if $(INSTALLDEV_VERBOSE),-v))

# $(call _installdev_get,NAME,PROJECT): the per-project setting INSTALLDEV_NAME_PROJECT, else INSTALLDEV_NAME.
_installdev_get = $(if $(filter-out undefined,$(origin INSTALLDEV_$(1)_$(2))),$(INSTALLDEV_$(1)_$(2)),$(INSTALLDEV_$(1)))
# $(call _installdev_path,PATH,PROJECT): PATH as given if absolute, else inside PROJECT.
_installdev_path = $(if $(filter /%,$(1)),$(1),$(patsubst ./%,%,$(2)/$(1)))
_installdev_venv = $(call _installdev_path,$(call _installdev_get,VENV,$(1)),$(1))
_installdev_stamp = $(call _installdev_venv,$(1))/.installdev-stamp.json
# Beside the venv like installdev's VENV.lock, never inside it (installdev refuses a venv directory it did not make).
_installdev_envfile = $(call _installdev_venv,$(1)).installdev-make-flags
_installdev_files = $(foreach f,$(call _installdev_get,$(2),$(1)),$(call _installdev_path,$(f),$(1)))

# The arguments install-dev and doctor share for project $(1), with absolute paths.
define _installdev_setting_args
$(abspath $(1)) --venv $(abspath $(call _installdev_venv,$(1)))$(if $(call _installdev_get,PYTHON,$(1)), --python $(call _installdev_get,PYTHON,$(1)))$(if $(call _installdev_get,EXTRAS,$(1)), --extras $(call _installdev_get,EXTRAS,$(1)))$(foreach f,$(call _installdev_files,$(1),REQUIREMENTS), -r $(abspath $(f)))$(foreach f,$(call _installdev_files,$(1),CONSTRAINTS), -c $(abspath $(f)))
endef

# installdev runs inside the project, as from Gradle, so that relative paths in requirement files
# (-e ../lib) mean the same from both.
define _installdev_install_command
cd $(abspath $(1)) && $(INSTALLDEV) install-dev $(call _installdev_setting_args,$(1))$(if $(call _installdev_get,ARGS,$(1)), $(call _installdev_get,ARGS,$(1)))$(if $(_installdev_verbosity), $(_installdev_verbosity))
endef

define _installdev_rules
$(call _installdev_stamp,$(1)): $(wildcard $(1)/pyproject.toml $(1)/setup.py $(1)/setup.cfg) $(call _installdev_files,$(1),REQUIREMENTS) $(call _installdev_files,$(1),CONSTRAINTS) $(call _installdev_envfile,$(1))
	$$(call _installdev_install_command,$(1))
	@touch $$@

# Rewritten only when a flag's value changes, so that the stamp is remade exactly then.
$(call _installdev_envfile,$(1)): _installdev_FORCE
	@mkdir -p $$(@D) && env | LC_ALL=C grep -E '^([A-Za-z0-9_]*_VENV_USE_COPIES|INSTALLDEV_[A-Za-z0-9_]*|VIRTUALENV_[A-Za-z0-9_]*)=' | LC_ALL=C sort > $$@.tmp; \
	if cmp -s $$@.tmp $$@; then rm -f $$@.tmp; else mv -f $$@.tmp $$@; fi

install-dev-$(1): $(call _installdev_stamp,$(1))
venv-doctor-$(1):
	cd $(abspath $(1)) && $(INSTALLDEV) doctor $$(call _installdev_setting_args,$(1))
clean-venv-$(1):
	$(INSTALLDEV) clean-venv $(abspath $(1)) --venv $(abspath $(call _installdev_venv,$(1)))$(if $(_installdev_verbosity), $(_installdev_verbosity))
	@rm -f $(call _installdev_envfile,$(1))
.PHONY: install-dev-$(1) venv-doctor-$(1) clean-venv-$(1)
endef

$(foreach p,$(patsubst %/,%,$(INSTALLDEV_PROJECTS)),$(eval $(call _installdev_rules,$(p))))

install-dev: $(foreach p,$(patsubst %/,%,$(INSTALLDEV_PROJECTS)),install-dev-$(p))
venv-doctor: $(foreach p,$(patsubst %/,%,$(INSTALLDEV_PROJECTS)),venv-doctor-$(p))
clean-venv: $(foreach p,$(patsubst %/,%,$(INSTALLDEV_PROJECTS)),clean-venv-$(p))
_installdev_FORCE:
.PHONY: install-dev venv-doctor clean-venv _installdev_FORCE
