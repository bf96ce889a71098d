import FirmwareImage

/// A parsed image is a flash source as it is: its segments are the ranges.
extension FirmwareImage: FlashSource {}
