import Foundation

/// The open-file limit: raised from the soft to the hard limit at start, so that scanners,
/// the store, printers and every lobby screen's connection have room (systemd's soft
/// default is 1024; the unit sets LimitNOFILE).
enum OpenFileLimit {
    @discardableResult
    static func raiseToHard() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
        }
        return UInt64(limit.rlim_cur)
    }

    #if canImport(Glibc)
    static let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    static let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
    #endif
}
