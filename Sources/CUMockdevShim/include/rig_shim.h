// The C side of the virtual rig: GObject signal plumbing, usbdevfs structs and URB bookkeeping that Swift cannot
// reach easily. Device behaviour stays in Swift (VirtualRig); this file only moves bytes between the umockdev
// socket protocol and the callbacks below.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A bulk IN callback returns this when it has nothing to send yet: the URB stays in flight until it is reaped
/// with data or discarded, as a real device NAKs the IN token.
#define RIG_PENDING (-2)
/// A callback returns this to STALL the transfer (the host sees EPIPE).
#define RIG_STALL (-1)
/// A callback returns this when the device has gone from the bus (an injected unplug): the submit fails with
/// ENODEV, as the kernel's does, and so does every later ioctl but reaping what is already done.
#define RIG_NODEV (-3)

/// What the rig calls for one device. All calls come from umockdev's worker thread, one at a time.
typedef struct rig_device_callbacks {
    void *context;
    /// A control transfer. `setup` is the 8-byte setup packet; `data` holds `length` (= wLength) bytes: the OUT
    /// payload, or room for the IN reply. Returns the number of bytes transferred, RIG_STALL, RIG_NODEV, or
    /// RIG_PENDING for a device that never answers (the URB stays in flight until the host discards it).
    /// `*delay_us` is how long the transfer takes on the bus (the URB is not reapable before).
    int (*control)(void *context, const uint8_t *setup, uint8_t *data, int length, uint64_t *delay_us);
    /// A bulk/interrupt OUT transfer. Returns the bytes accepted, RIG_STALL, RIG_NODEV or RIG_PENDING.
    int (*bulk_out)(void *context, uint8_t endpoint, const uint8_t *data, int length, uint64_t *delay_us);
    /// A bulk/interrupt IN transfer. Returns the bytes written into `data`, RIG_PENDING, RIG_STALL or RIG_NODEV.
    int (*bulk_in)(void *context, uint8_t endpoint, uint8_t *data, int capacity, uint64_t *delay_us);
    /// USBDEVFS_SETINTERFACE. Returns 0, or RIG_STALL for an alternate setting the device does not have.
    int (*set_interface)(void *context, unsigned interface, unsigned alternate);
    /// USBDEVFS_RESET: a bus reset.
    void (*reset)(void *context);
} rig_device_callbacks;

typedef struct rig_testbed rig_testbed;

/// Creates an empty testbed (a private sysfs and /dev under a temporary folder). Returns NULL and a message in
/// `*error` (free with rig_free_string) on failure.
rig_testbed *rig_testbed_new(char **error);

/// The folder a child process needs in UMOCKDEV_DIR. Owned by the testbed.
const char *rig_testbed_root(const rig_testbed *testbed);

/// Adds one USB device: attaches the ioctl handler to `devnode` (/dev/bus/usb/BBB/DDD) first, then adds the
/// sysfs record (umockdev's text format), so the node answers as soon as it is visible. The callbacks must stay
/// valid until rig_testbed_free. Returns 0, or -1 with a message in `*error`.
int rig_testbed_add_device(rig_testbed *testbed, const char *devnode, const char *record,
                           const rig_device_callbacks *callbacks, char **error);

/// Spawns `argv` (searched in the PATH of `envp`) with the environment `envp`, serves ioctls until it exits,
/// and returns its exit status (128 + signal when killed). With `forward_signals`, SIGINT and SIGTERM sent to
/// this process are passed on to the child while it runs. Returns -1 with a message in `*error` when the
/// command cannot be started.
int rig_testbed_run(rig_testbed *testbed, char *const *argv, char *const *envp, int forward_signals,
                    char **error);

/// Removes the testbed and its temporary folder.
void rig_testbed_free(rig_testbed *testbed);

void rig_free_string(char *string);

#ifdef __cplusplus
}
#endif
