import Crypto
import Foundation

/// A unit's key pair, generated on the station. The private half goes into the identity block and nowhere else:
/// `description` and `publicRecord` leave it out, and the ledger only ever receives `publicRecord`.
public struct KeyPair: Equatable, Sendable, CustomStringConvertible {
    public var algorithm: KeyAlgorithm
    public var privateKey: [UInt8]
    public var publicKey: [UInt8]

    public init(algorithm: KeyAlgorithm, privateKey: [UInt8], publicKey: [UInt8]) {
        self.algorithm = algorithm
        self.privateKey = privateKey
        self.publicKey = publicKey
    }

    /// A fresh pair from the system's secure random source.
    public static func generate(_ algorithm: KeyAlgorithm) -> KeyPair {
        switch algorithm {
        case .p256:
            let key = P256.Signing.PrivateKey()
            return KeyPair(algorithm: .p256, privateKey: Array(key.rawRepresentation),
                           publicKey: Array(key.publicKey.x963Representation))
        case .curve25519:
            let key = Curve25519.Signing.PrivateKey()
            return KeyPair(algorithm: .curve25519, privateKey: Array(key.rawRepresentation),
                           publicKey: Array(key.publicKey.rawRepresentation))
        }
    }

    /// SHA-256 of the public key bytes as lowercase hex: what an operator compares with a device's certificate.
    public var fingerprint: String { SHA256.hash(data: Data(publicKey)).map { String(format: "%02x", $0) }.joined() }

    public var publicRecord: PublicKeyRecord {
        PublicKeyRecord(algorithm: algorithm.rawValue, publicKey: publicKey.map { String(format: "%02x", $0) }.joined(),
                        fingerprint: fingerprint)
    }

    public var description: String { "\(algorithm.rawValue) key \(fingerprint.prefix(16))… (private half redacted)" }
}

/// The half of a key pair that may be stored and shown.
public struct PublicKeyRecord: Equatable, Sendable, Codable {
    public var algorithm: String
    public var publicKey: String
    public var fingerprint: String
}
