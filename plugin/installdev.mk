# installdev.mk: development virtualenvs of Python projects as Make targets, through installdev.
#
#     INSTALLDEV_PROJECTS = libdemo appdemo        # project directories; default: .
#     include path/to/plugin/installdev.mk
#
# Targets:
#   install-dev   create or update each project's venv (`installdev install-dev PROJECT --venv VENV`).
#                 The real target is the venv's stamp, VENV/.installdev-stamp.json. Its prerequisites come
#                 from installdev itself (`installdev inputs --format make`, kept in VENV.installdev-inputs.mk
#                 and rewritten whenever the stamp is newer): pyproject.toml and setup files, the requirement
#                 and constraint files with every file they include, files named in [tool.installdev],
#                 conventional dev requirement files, .python-version, lock files, the venv's python (a
#                 dangling one, e.g. after its base interpreter was removed, counts as changed), and any of
#                 those paths appearing. The environment variables installdev reads (names and patterns from
#                 `installdev inputs`) are kept as a checksum in VENV.installdev-environment, rewritten only
#                 when one of them changes value. So Make runs nothing, not even Python, while all are unchanged.
#   venv-doctor   `installdev doctor PROJECT` for each project.
#   clean-venv    `installdev clean-venv PROJECT` for each project: deletes a venv only if installdev made it.
# and the same per project: install-dev-PROJECT, venv-doctor-PROJECT, clean-venv-PROJECT (PROJECT as
# written in INSTALLDEV_PROJECTS, e.g. install-dev-appdemo). Parallel make (-j) is safe: installdev
# serializes builds of one venv with a lock file beside it.
#
# Running tools in a venv: $(call installdev_run,PROJECT) starts a recipe line that runs the command that follows
# in PROJECT's directory with its venv active (`installdev run ... -- COMMAND`: VIRTUAL_ENV set, the venv's bin
# first on PATH, PYTHONHOME unset), so a command is taken from the venv before PATH. The command holds the venv
# while it runs: a rebuild of the same venv elsewhere waits for it. One command: for a shell line, run sh -c '...'.
# Depend on install-dev-PROJECT:
#
#     test-appdemo: install-dev-appdemo
#     	$(call installdev_run,appdemo) pytest -q
#     	$(call installdev_run,appdemo) sh -c 'pytest -q && coverage report'
#
# Settings, for all projects or for one with the suffix _PROJECT (e.g. INSTALLDEV_EXTRAS_appdemo); paths
# are relative to the project directory. Unset settings are not passed, so the project's
# [tool.installdev] table in pyproject.toml applies; only the venv is always passed (Make needs the stamp).
#   INSTALLDEV_VENV          the venv directory                                default: venv
#   INSTALLDEV_PYTHON        interpreter: 3.12, >=3.12, a name or a path        default: installdev's
#   INSTALLDEV_EXTRAS        extras to add to the development set (--extra), space-separated   default: none
#   INSTALLDEV_GROUPS        groups to add (--group); INSTALLDEV_NO_GROUPS to leave out (--no-group);
#                            INSTALLDEV_ONLY_GROUPS to install alone, without the project (--only-group)
#   INSTALLDEV_ALL_EXTRAS, INSTALLDEV_ALL_GROUPS, INSTALLDEV_NO_DEV, INSTALLDEV_NO_DEFAULT_GROUPS
#                            true: --all-extras, --all-groups, --no-dev, --no-default-groups (as uv sync's)
#   INSTALLDEV_REQUIREMENTS  requirement files (-r), space-separated            default: none
#   INSTALLDEV_CONSTRAINTS   constraint files (-c), space-separated             default: none
#   INSTALLDEV_ARGS          more install-dev arguments, e.g. --copies or --flag-prefix DATAHUB (also given
#                            to `installdev inputs`; not passed to doctor; paths relative to Make's directory)
#   INSTALLDEV               how to run installdev (it runs in Make's directory, so that the paths it prints
#                            read from there; every path given to it is absolute and it runs pip in the project)
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
# The venv, absolute: `installdev inputs` names the stamp and the files by absolute path, so the rules here do too.
_installdev_venv = $(abspath $(call _installdev_path,$(call _installdev_get,VENV,$(1)),$(1)))
_installdev_stamp = $(call _installdev_venv,$(1))/.installdev-stamp.json
# Beside the venv, like installdev's VENV.lock, never inside it (installdev refuses a venv directory it did not make).
_installdev_inputs_file = $(call _installdev_venv,$(1)).installdev-inputs.mk
_installdev_env_file = $(call _installdev_venv,$(1)).installdev-environment
_installdev_files = $(foreach f,$(call _installdev_get,$(2),$(1)),$(abspath $(call _installdev_path,$(f),$(1))))

# The selection settings of project $(1) as install-dev's flags: lists repeat their flag, true turns a flag on.
_installdev_comma := ,
_installdev_list_flag = $(foreach v,$(subst $(_installdev_comma), ,$(call _installdev_get,$(2),$(1))), $(3) $(v))
_installdev_true_flag = $(if $(filter true,$(call _installdev_get,$(2),$(1))), $(3))
_installdev_selection_args = $(call _installdev_list_flag,$(1),EXTRAS,--extra)$(call _installdev_list_flag,$(1),GROUPS,--group)$(call _installdev_list_flag,$(1),NO_GROUPS,--no-group)$(call _installdev_list_flag,$(1),ONLY_GROUPS,--only-group)$(call _installdev_true_flag,$(1),ALL_EXTRAS,--all-extras)$(call _installdev_true_flag,$(1),ALL_GROUPS,--all-groups)$(call _installdev_true_flag,$(1),NO_DEV,--no-dev)$(call _installdev_true_flag,$(1),NO_DEFAULT_GROUPS,--no-default-groups)

# The arguments install-dev, inputs and doctor share for project $(1), with absolute paths.
define _installdev_setting_args
$(abspath $(1)) --venv $(call _installdev_venv,$(1))$(if $(call _installdev_get,PYTHON,$(1)), --python $(call _installdev_get,PYTHON,$(1)))$(call _installdev_selection_args,$(1))$(foreach f,$(call _installdev_files,$(1),REQUIREMENTS), -r $(f))$(foreach f,$(call _installdev_files,$(1),CONSTRAINTS), -c $(f))
endef
_installdev_build_args = $(call _installdev_setting_args,$(1))$(if $(call _installdev_get,ARGS,$(1)), $(call _installdev_get,ARGS,$(1)))

# $(call installdev_run,PROJECT): see the top of this file.
installdev_run = cd $(abspath $(1)) && $(INSTALLDEV) run $(call _installdev_build_args,$(1)) $(_installdev_verbosity) --

define _installdev_rules
-include $(call _installdev_inputs_file,$(1))

# What installdev lists as the stamp's inputs: made before anything else when it is missing or older than the stamp
# (a build by installdev directly), after which Make restarts with the stamp's real prerequisites. Compared by the
# shell, not as a prerequisite, so that remaking it never builds the venv (not even for clean-venv or make -n); never
# left older than the stamp, so a stamp dated in the future cannot make Make restart forever.
$(call _installdev_inputs_file,$(1)): $(if $(shell [ ! -f $(call _installdev_inputs_file,$(1)) ] || [ $(call _installdev_stamp,$(1)) -nt $(call _installdev_inputs_file,$(1)) ] && echo stale),_installdev_FORCE)
	@$(INSTALLDEV) inputs $(call _installdev_build_args,$(1)) --format make --output $$@ && \
	if [ $(call _installdev_stamp,$(1)) -nt $$@ ]; then touch -r $(call _installdev_stamp,$(1)) $$@; fi

$(call _installdev_stamp,$(1)): $(call _installdev_env_file,$(1))
	$(INSTALLDEV) install-dev $(call _installdev_build_args,$(1))$$(if $$(_installdev_verbosity), $$(_installdev_verbosity))
	@touch -c $$@
	@$(INSTALLDEV) inputs $(call _installdev_build_args,$(1)) --format make --output $(call _installdev_inputs_file,$(1))

# A checksum of the variables installdev reads (INSTALLDEV_VARIABLES_REGEX, set on the stamp by the inputs file), in the
# environment recipes get (command-line variables included); rewritten only when it changes, so the stamp is remade
# exactly then. No value is written down, so an index URL's credentials stay out of the file. The temporary file is
# the shell's own (its pid in the name): two makes of the same venv at once each rename theirs over.
$(call _installdev_env_file,$(1)): _installdev_FORCE
	@mkdir -p $$(@D) && env | LC_ALL=C grep -E '$$(INSTALLDEV_VARIABLES_REGEX)' | LC_ALL=C sort | cksum > $$@.$$$$$$$$.tmp; \
	if cmp -s $$@.$$$$$$$$.tmp $$@; then rm -f $$@.$$$$$$$$.tmp; else mv -f $$@.$$$$$$$$.tmp $$@; fi

install-dev-$(1): $(call _installdev_stamp,$(1))
venv-doctor-$(1):
	$(INSTALLDEV) doctor $(call _installdev_setting_args,$(1))
clean-venv-$(1):
	$(INSTALLDEV) clean-venv $(abspath $(1)) --venv $(call _installdev_venv,$(1))$$(if $$(_installdev_verbosity), $$(_installdev_verbosity))
	@rm -f $(call _installdev_inputs_file,$(1)) $(call _installdev_env_file,$(1))
.PHONY: install-dev-$(1) venv-doctor-$(1) clean-venv-$(1)
endef

$(foreach p,$(patsubst %/,%,$(INSTALLDEV_PROJECTS)),$(eval $(call _installdev_rules,$(p))))

install-dev: $(foreach p,$(patsubst %/,%,$(INSTALLDEV_PROJECTS)),install-dev-$(p))
venv-doctor: $(foreach p,$(patsubst %/,%,$(INSTALLDEV_PROJECTS)),venv-doctor-$(p))
clean-venv: $(foreach p,$(patsubst %/,%,$(INSTALLDEV_PROJECTS)),clean-venv-$(p))
_installdev_FORCE:
.PHONY: install-dev venv-doctor clean-venv _installdev_FORCE
