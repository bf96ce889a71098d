import FirmwareImage

/// A parsed image is a flash source as it is: its segments are the ranges.
extension FirmwareImage: FlashSource {}

/// A raw binary is flashed straight from the file, a sector at a time.
extension BinaryFileImage: FlashSource {}
