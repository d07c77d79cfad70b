// Compiles a precompiled header once (GoogleTest or the standard library); other targets reuse it.
