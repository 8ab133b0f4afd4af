import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// Why kioskd cannot serve https.
public struct HTTPSSetupError: Error, CustomStringConvertible {
    public var certificateChain: String
    public var privateKey: String
    public var reason: String
    public var description: String {
        "https 证书不可用 / cannot serve https with \(certificateChain) and \(privateKey) ([web] tls_certificate, tls_key): \(reason)"
    }
}

/// The web server over TLS, for a hub that devices reach by an https upstream.
public enum HTTPSServer {
    /// HTTP/1.1 over TLS with a PEM certificate chain and its PEM private key.
    public static func builder(certificateChain: String, privateKey: String,
                               limits: ConnectionLimits = ConnectionLimits()) throws(HTTPSSetupError) -> HTTPServerBuilder {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificateChain).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: privateKey, format: .pem)
            return try .tls(.http1(configuration: limits.http1Configuration()), tlsConfiguration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        } catch {
            throw HTTPSSetupError(certificateChain: certificateChain, privateKey: privateKey, reason: "\(error)")
        }
    }
}
