/// The probe's mode, as GET_CURRENT_MODE reports it (`stlink.md` section 3).
enum STLinkMode: UInt8 {
    case dfu = 0, massStorage = 1, debug = 2, swim = 3, bootloader = 4
}
