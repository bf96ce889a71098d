import ArgumentParser
extension Atelier { struct Image: ParsableCommand { static let configuration = CommandConfiguration(abstract: "Inspect and convert firmware images.") } }
