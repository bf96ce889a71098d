public struct FirmwareImage {}
