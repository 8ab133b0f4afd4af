import Foundation
import LibFuzzer

// libFuzzer's driver (flags, corpus, -runs, crashes), calling fuzzPushBody for every input.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzPushBody(data!, size) })
