import Crypto
import Foundation
import GRDB

/// The key that protects customers' personal data (phone number, VIN) in the store.
///
/// The store never holds it: it lives in a file readable only by the service user, or in a
/// systemd credential. A copy of the database alone (a stolen board's SD card, a backup)
/// shows sealed blobs and keyed hashes, not phone numbers.
///
/// One 32-byte secret gives four keys through HKDF-SHA256, each with its own info string:
/// - a sealing key: AES-256-GCM with a random nonce for every value;
/// - a look-up key: HMAC-SHA256 of the normalised value, so a phone number or VIN can be found
///   by an equality match on its hash without decrypting every row;
/// - the audit key: HMAC-SHA256 of the audit log's head (``AuditLog``), so that a log cut
///   short is found by someone who can edit the database but does not hold the key;
/// - the backup key: HMAC-SHA256 of each record of a backup folder's manifest (``Backups``),
///   so that a restore uses only backups this store made.
public struct PersonalDataKey: Sendable {
    let sealing: SymmetricKey
    let lookup: SymmetricKey
    /// Anchors the audit log's head ("kioskd audit anchor v1").
    let auditKey: SymmetricKey
    /// Signs backup manifest records ("kioskd backup manifest v1").
    let backupKey: SymmetricKey
    /// A keyed fingerprint of the key, kept in the store to tell the right key from a wrong one.
    let check: String

    /// The bytes of a key file.
    public static let fileSize = 32

    /// Builds the key from its 32-byte secret.
    public init(secret: some ContiguousBytes) throws(PersonalDataError) {
        let master = SymmetricKey(data: secret)
        guard master.bitCount == Self.fileSize * 8 else { throw .malformedKey(bytes: master.bitCount / 8) }
        sealing = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("kioskd personal data sealing v1".utf8), outputByteCount: 32)
        lookup = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("kioskd personal data lookup v1".utf8), outputByteCount: 32)
        auditKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("kioskd audit anchor v1".utf8), outputByteCount: 32)
        backupKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("kioskd backup manifest v1".utf8), outputByteCount: 32)
        let fingerprint = HMAC<SHA256>.authenticationCode(for: Data("kioskd key check".utf8), using: lookup)
        check = Data(fingerprint).base64EncodedString()
    }

    /// A new random key (not written anywhere).
    public static func random() -> PersonalDataKey {
        // A 256-bit SymmetricKey always builds a key.
        try! PersonalDataKey(secret: SymmetricKey(size: .bits256))
    }

    /// Reads a key file; when `create` is set and the file does not exist, writes a new random
    /// key there first, readable by its owner only (0600).
    public static func load(from path: String, create: Bool) throws(PersonalDataError) -> PersonalDataKey {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard create else { throw .keyMissing(path: path) }
            let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try? manager.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            guard manager.createFile(atPath: path, contents: secret, attributes: [.posixPermissions: 0o600]) else {
                throw .keyUnreadable(path: path, reason: "cannot create the file")
            }
        }
        guard let data = manager.contents(atPath: path) else { throw .keyUnreadable(path: path, reason: "cannot read the file") }
        return try PersonalDataKey(secret: data)
    }

    /// Seals `text`: nonce, ciphertext and tag in one blob (AES-GCM's combined form).
    public func seal(_ text: String) throws -> Data {
        // A 12-byte nonce makes the combined representation available.
        try AES.GCM.seal(Data(text.utf8), using: sealing).combined!
    }

    /// Opens a blob made by ``seal(_:)``; a blob sealed under another key, or altered, is refused.
    public func open(_ sealed: Data) throws(PersonalDataError) -> String {
        do {
            let plain = try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: sealing)
            guard let text = String(data: plain, encoding: .utf8) else { throw PersonalDataError.cannotOpen }
            return text
        } catch {
            throw .cannotOpen
        }
    }

    /// The look-up hash of a value of a kind (`phone`, `vin`): equal values give equal hashes,
    /// and nobody without the key can compute them.
    public func lookupHash(_ kind: String, _ value: String) -> String {
        let normalised = value.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(kind)\u{1F}\(normalised)".utf8), using: lookup)
        return Data(code).hex
    }
}

/// Why personal data could not be protected or read; each says what to do.
public enum PersonalDataError: Error, Sendable, Hashable, CustomStringConvertible {
    case keyMissing(path: String)
    case keyUnreadable(path: String, reason: String)
    case malformedKey(bytes: Int)
    case wrongKey(path: String)
    case cannotOpen

    public var description: String {
        switch self {
        case .keyMissing(let path):
            "个人数据密钥缺失 \(path)：请从保管处恢复该文件（备份不含密钥）/ the personal-data key \(path) is missing: this store holds sealed customer data, so put back the key file you kept (backups do not contain it)"
        case let .keyUnreadable(path, reason):
            "无法读取个人数据密钥 \(path) / cannot read the personal-data key \(path): \(reason); it must be readable by the kioskd user"
        case .malformedKey(let bytes):
            "个人数据密钥格式错误 / the personal-data key must be 32 bytes, this one has \(bytes)"
        case .wrongKey(let path):
            "个人数据密钥与数据库不匹配 \(path) / the personal-data key \(path) is not the key this store was sealed with: put back the right key file"
        case .cannotOpen:
            "个人数据无法解密（密钥错误或数据被改动）/ sealed personal data cannot be opened: wrong key, or the data was altered"
        }
    }
}

extension PersonalDataKey {
    /// The audit anchor's tag of a head: HMAC-SHA256 under the audit key, hex.
    func auditAnchorTag(seq: Int64, hash: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data("\(seq)\u{1F}\(hash)".utf8), using: auditKey)).hex
    }

    /// Makes the key usable from SQL on a connection: `kd_seal(text)`, `kd_open(blob)`,
    /// `kd_lookup(kind, text)` and `kd_audit_anchor(seq, hash)`. The key stays in this process;
    /// the functions are not in the file, so another program opening the store sees only blobs
    /// and hashes, and cannot anchor an audit log it has edited.
    func install(on db: Database) {
        let key = self
        db.add(function: DatabaseFunction("kd_seal", argumentCount: 1, pure: false) { values in
            guard let text = String.fromDatabaseValue(values[0]) else { return nil }
            return try key.seal(text)
        })
        db.add(function: DatabaseFunction("kd_open", argumentCount: 1, pure: true) { values in
            guard let blob = Data.fromDatabaseValue(values[0]) else { return nil }
            return try key.open(blob)
        })
        db.add(function: DatabaseFunction("kd_lookup", argumentCount: 2, pure: true) { values in
            guard let kind = String.fromDatabaseValue(values[0]), let text = String.fromDatabaseValue(values[1]) else { return nil }
            return key.lookupHash(kind, text)
        })
        db.add(function: DatabaseFunction("kd_audit_anchor", argumentCount: 2, pure: true) { values in
            guard let seq = Int64.fromDatabaseValue(values[0]), let hash = String.fromDatabaseValue(values[1]) else { return nil }
            return key.auditAnchorTag(seq: seq, hash: hash)
        })
    }
}
