// libFuzzer's entry point for a program that has its own main (compiler-rt FuzzerDriver.cpp).
// SwiftPM links an executable target's main itself (main is defined as <module>_main), so the
// targets here start libFuzzer from main.swift instead of taking main from the fuzzer runtime.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
