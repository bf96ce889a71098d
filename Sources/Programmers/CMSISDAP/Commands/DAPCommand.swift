/// One CMSIS-DAP command: its ID, how it is encoded, and how its response is decoded (reference/cmsis-dap.md
/// section 3). Encoders and decoders are pure, so they are tested with byte tables.
public protocol DAPCommand {
    associatedtype Response
    var id: DAPCommandID { get }
    /// How messages name the command ("DAP_Info 0xFF").
    var name: String { get }
    func encode() -> [UInt8]
    /// `response` starts with the command ID, which `payload` has verified.
    func decode(_ response: [UInt8]) throws(CMSISDAPError) -> Response
}

extension DAPCommand {
    /// The response after its ID byte, once the ID is checked: a lone 0xFF means the command is not implemented.
    func payload(_ response: [UInt8], atLeast count: Int) throws(CMSISDAPError) -> ArraySlice<UInt8> {
        guard let first = response.first else {
            throw .malformedResponse(command: name, detail: "an empty packet")
        }
        guard first == id.rawValue else {
            if first == DAPStatus.error, response.count == 1 || id.rawValue != DAPStatus.error {
                throw .commandFailed(command: name, status: DAPStatus.error)
            }
            throw .malformedResponse(command: name, detail: "the response of command \(hex2(first))")
        }
        guard response.count >= 1 + count else {
            throw .malformedResponse(command: name, detail: "\(response.count) bytes instead of \(1 + count)")
        }
        return response[1...]
    }

    /// A response `[id, status]` with status DAP_OK.
    func checkStatus(_ response: [UInt8]) throws(CMSISDAPError) {
        let status = try payload(response, atLeast: 1).first ?? DAPStatus.error
        guard status == DAPStatus.ok else { throw .commandFailed(command: name, status: status) }
    }
}
