// Private to CUMockdevShim: the per-device URB bookkeeping shared by rig_shim.c and rig_urbs.c.
#pragma once

#include <glib.h>
#include <umockdev.h>

#include "rig_shim.h"

// One URB between SUBMITURB and REAPURB. `data` is umockdev's local copy of the client's struct usbdevfs_urb,
// with `buffer` already resolved to local memory.
typedef struct {
    UMockdevIoctlData *data;
    // The connection (one per open file) that submitted it: only that one may reap or discard it, because the
    // URB's memory lives in that process.
    UMockdevIoctlClient *client;
    gboolean done;
    gint64 ready_at;
} rig_urb;

typedef struct {
    rig_device_callbacks callbacks;
    UMockdevIoctlBase *handler;
    GList *urbs;
    // Set once a callback answers RIG_NODEV: the device has been unplugged for the rest of the run. No "remove"
    // uevent goes out: umockdev's sender resolves the device with the real libudev, which only finds testbed
    // devices inside a preloaded process, and the rig itself is not one.
    gboolean gone;
} rig_device;

void rig_urb_free(rig_urb *urb);
void rig_submit_urb(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg);
void rig_reap_urb(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg);
void rig_discard_urb(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg);
void rig_sync_control(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg);
void rig_sync_bulk(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg);
void rig_client_vanished(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data);
