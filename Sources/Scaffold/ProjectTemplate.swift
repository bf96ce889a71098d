/// The starting points `atelier new` offers.
public enum ProjectTemplate: String, Sendable, CaseIterable, Codable {
    case blinky
    case hello
    case unitTest = "unit-test"
    /// Reads the identity block `atelier provision` writes and prints the unit's serial; ships a batch.yaml.
    case provisioned
}
