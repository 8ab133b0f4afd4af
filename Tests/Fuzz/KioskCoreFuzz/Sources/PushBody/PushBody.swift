import KioskCore
func fuzzPushBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { 0 }
