"""appdemo: the app half of installdev's Gradle example."""
