// Compiles the precompiled GoogleTest header once; every test target reuses it.
