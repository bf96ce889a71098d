/// bStatus values (DFU 1.1 section 6.1.2), in spec order.
public enum DFUStatus: UInt8, Sendable {
    case ok = 0, errTARGET, errFILE, errWRITE, errERASE, errCHECK_ERASED, errPROG, errVERIFY, errADDRESS
    case errNOTDONE, errFIRMWARE, errVENDOR, errUSBR, errPOR, errUNKNOWN, errSTALLEDPKT
}
