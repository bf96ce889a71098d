/// The starting points `atelier new` offers.
public enum ProjectTemplate: String, Sendable, CaseIterable, Codable {
    case blinky
    case hello
    case unitTest = "unit-test"
}
