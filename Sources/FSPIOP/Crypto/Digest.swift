import COpenSSL

/// SHA-256 and HMAC-SHA256 through the system's libcrypto.
public enum Digest {
    /// SHA-256 of the bytes (32 bytes).
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { sha256($0) }
    }

    /// SHA-256 of the bytes (32 bytes).
    public static func sha256(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { output in
            _ = SHA256(bytes.baseAddress, bytes.count, output.baseAddress)
        }
        return out
    }

    /// HMAC-SHA256 of `message` under `key` (32 bytes).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        // A zero-length key is valid for HMAC; give OpenSSL a real pointer all the same.
        let keyBytes = key.isEmpty ? [0] : key
        keyBytes.withUnsafeBufferPointer { keyPointer in
            message.withUnsafeBufferPointer { messagePointer in
                out.withUnsafeMutableBufferPointer { output in
                    _ = HMAC(EVP_sha256(), keyPointer.baseAddress, Int32(key.count),
                             messagePointer.baseAddress, messagePointer.count, output.baseAddress, &length)
                }
            }
        }
        return out
    }
}
