import Foundation
import KioskCore
import Labels

/// The board's IPv4 addresses on the store network (interfaces that are up with a link, not
/// loopback), in interface order: what a customer's phone could reach.
enum NetworkAddresses {
    static func current() -> [String] {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0, let first else { return [] }
        defer { freeifaddrs(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = Int32(entry.pointee.ifa_flags)
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  flags & Int32(IFF_UP) != 0, flags & Int32(IFF_RUNNING) != 0, flags & Int32(IFF_LOOPBACK) == 0 else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            addresses.append(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return addresses
    }

    /// `127.0.0.1`, `localhost`, `::1`: names only this board answers to.
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h.hasPrefix("127.") || h == "::1" || h.hasSuffix(".localhost")
    }
}

extension KioskConfig {
    /// Where a job ticket's QR code points when `[labels] track_url` is not set: the hub's
    /// phone page when this device syncs to one (the hub holds every device's jobs), else this
    /// board's own web server at the address phones on the store network reach. Only when the
    /// web server listens on loopback alone does it stay `http://127.0.0.1:…`, with a warning
    /// (see ``warnings()``).
    func derivedTrackURL(addresses: [String]) -> String {
        if role == .device, let upstream = sync?.upstream {
            return upstream.hasSuffix("/") ? upstream + "track/" : upstream + "/track/"
        }
        let scheme = webTLS == nil ? "http" : "https"
        guard let listen = webListen, let (host, port) = Self.hostAndPort(listen) else { return "http://127.0.0.1:8080/track/" }
        let wildcard = ["0.0.0.0", "::", "[::]", "*", ""].contains(host)
        let reachable: String? = wildcard ? addresses.first : (NetworkAddresses.isLoopback(host) ? nil : host)
        let shownPort = (scheme == "http" && port == 80) || (scheme == "https" && port == 443) ? "" : ":\(port)"
        guard let reachable else { return "\(scheme)://127.0.0.1\(shownPort)/track/" }
        let bracketed = reachable.contains(":") && !reachable.hasPrefix("[") ? "[\(reachable)]" : reachable
        return "\(scheme)://\(bracketed)\(shownPort)/track/"
    }

    /// What labels and tickets are printed with: the file's `[labels]`, and the track URL it
    /// gives or else ``derivedTrackURL(addresses:)``, worked out here where it is used (not
    /// at every command's start).
    func labelSettings(addresses: @autoclosure () -> [String] = NetworkAddresses.current()) -> LabelSettings {
        var settings = labels.settings
        settings.trackURL = labels.trackURL ?? derivedTrackURL(addresses: addresses())
        return settings
    }

    /// Settings that load but make no sense together, or that leave something a store needs
    /// unreachable. `check-config` prints them and `kioskd run` logs them at start; neither
    /// refuses the config for them.
    func warnings() -> [String] {
        var warnings: [String] = []
        let trackURL = labelSettings().trackURL
        if let host = URL(string: trackURL)?.host, NetworkAddresses.isLoopback(host) {
            warnings.append("labels.track_url: 工单二维码指向本机 the job tickets' QR codes point at \(trackURL), which no customer's phone can open. "
                            + "Set [labels] track_url to the address phones reach (the hub's, or this board's), or let the pages listen on the store network: [web] listen = \"0.0.0.0:8080\"")
        }
        if let bay, gpio == nil {
            warnings.append("bay.id = \(bay): 工位没有 GPIO the bay has no [gpio]: no stack light shows its job and no button moves it. Add [gpio] with the stack light's lines (and [gpio.buttons]), or remove [bay] if this board is not at a bay")
        } else if let bay, gpio?.backend == "simulated" {
            warnings.append("gpio.backend = \"simulated\": bay \(bay)'s lamps and buttons are simulated, nothing lights at the bay. Set backend = \"libgpiod\" with the chip's lines on a real board")
        }
        if role == .device, bay == nil, scanners.isEmpty {
            warnings.append("scanners: 柜台没有扫描枪 this counter has no [[scanners]]: scans come only from the counter page. Add a [[scanners]] (kind = \"hid\" with /dev/input/by-id/…, \"serial\" or \"camera\")")
        }
        if role == .device, bay == nil, !scanners.isEmpty, scanners.allSatisfy({ $0.kind == .stdin }), ProcessInfo.processInfo.environment["INVOCATION_ID"] != nil {
            warnings.append("scanners: the only scanner reads standard input, which systemd does not give a service. Add a hid, serial, camera or fifo scanner")
        }
        if let upstream = sync?.upstream, upstream.lowercased().hasPrefix("http://") {
            warnings.append("sync.upstream = \(upstream): 同步未加密 sync is plain http (allow_insecure_upstream): anyone on the network between the boards can read customers' jobs and stock and change what syncs. Serve the hub over https ([web] tls_certificate, tls_key) and trust its CA with [sync] ca_file")
        }
        return warnings
    }
}
