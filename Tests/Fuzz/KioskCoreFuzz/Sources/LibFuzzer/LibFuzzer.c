// Nothing here: the module only declares LLVMFuzzerRunDriver (include/LibFuzzer.h), which
// -sanitize=fuzzer links in.
#include "LibFuzzer.h"
