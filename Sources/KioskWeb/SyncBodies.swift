import CompressNIO
import Foundation
import Hummingbird
import KioskCore
import NIOCore

/// Sync's bodies on the wire, gzip when both sides can.
///
/// - A device's request body may come gzip-compressed (`Content-Encoding: gzip`). Every sync
///   answer says so with `Accept-Encoding: gzip` (RFC 7694), which is how a device learns that
///   its hub takes compressed pushes; a hub from before this sends no such header, and the
///   device keeps sending plain JSON to it. Any other encoding is refused with 415 and the same
///   header. A compressed body is unpacked only up to the size a plain one may have, so a small
///   "zip bomb" cannot make the hub allocate more than an honest push.
/// - An answer is compressed when the device asked for gzip (`Accept-Encoding`) and it is worth
///   it (over 1 KiB).
enum SyncBodies {
    static let advertised: HTTPFields = [.acceptEncoding: "gzip"]

    /// The request's JSON body, unpacked if it came compressed.
    static func decode<Value: Decodable>(_ type: Value.Type, from request: Request, context: KioskRequestContext) async throws -> Value {
        let encoding = request.headers[.contentEncoding]?.trimmingWhitespace().lowercased() ?? "identity"
        var body: ByteBuffer
        switch encoding {
        case "identity", "":
            body = try await request.body.collect(upTo: context.maxUploadSize)
        case "gzip", "x-gzip":
            var packed = try await request.body.collect(upTo: context.maxUploadSize)
            do {
                body = try packed.decompress(with: .gzip(), maxSize: context.maxUploadSize)
            } catch {
                throw HTTPError(.badRequest, headers: advertised,
                                message: "请求体无法解压或解压后超过 \(context.maxUploadSize) 字节 / the gzip body is corrupt or unpacks to more than \(context.maxUploadSize) bytes: send smaller batches")
            }
        default:
            throw HTTPError(.unsupportedMediaType, headers: advertised,
                            message: "不支持的内容编码 \(encoding) / content encoding \(encoding) is not supported: send gzip or plain JSON")
        }
        do {
            return try context.requestDecoder.decode(Value.self, from: Data(body.readableBytesView))
        } catch {
            throw HTTPError(.badRequest, headers: advertised, message: "请求内容无效 / the request body is not valid \(Value.self) JSON: \(error)")
        }
    }

    /// `value` as JSON, compressed when the device accepts gzip.
    static func answer<Value: Encodable>(_ value: Value, to request: Request, context: KioskRequestContext,
                                         status: HTTPResponse.Status = .ok) throws -> Response {
        var json = ByteBuffer(data: try context.responseEncoder.encode(value))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .acceptEncoding: "gzip", .vary: "Accept-Encoding"]
        if json.readableBytes > 1024, acceptsGzip(request.headers[values: .acceptEncoding]) {
            json = try json.compress(with: .gzip())
            headers[.contentEncoding] = "gzip"
        }
        headers[.contentLength] = String(json.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: json))
    }

    /// Whether an `Accept-Encoding` list accepts gzip (RFC 9110 §12.5.3): gzip named with a
    /// weight above 0, or, when gzip is not named, `*` with a weight above 0.
    static func acceptsGzip(_ values: [String]) -> Bool {
        var named: Double?, any: Double?
        for item in values.joined(separator: ",").split(separator: ",") {
            let parts = item.split(separator: ";").map { String($0).trimmingWhitespace().lowercased() }
            guard let coding = parts.first else { continue }
            let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            switch coding {
            case "gzip", "x-gzip": named = max(named ?? 0, weight)
            case "*": any = weight
            default: continue
            }
        }
        return (named ?? any ?? 0) > 0
    }
}
