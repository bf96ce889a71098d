import Foundation

enum PeerTestError: Error, CustomStringConvertible {
    case missingRig(searched: [String])
    case missingTool(String, package: String)
    case timeout([String], seconds: TimeInterval)

    var description: String {
        switch self {
        case .missingRig(let searched):
            "atelier-rig is not built; run 'swift build' first (looked in: \(searched.joined(separator: ", ")))"
        case .missingTool(let name, let package):
            "\(name) is not installed: the peer tests need it as a judge; run 'make deps' "
                + "or 'apt-get install \(package)'"
        case .timeout(let arguments, let seconds):
            "atelier-rig \(arguments.joined(separator: " ")) did not finish within \(Int(seconds)) s"
        }
    }
}
