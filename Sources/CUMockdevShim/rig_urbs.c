// URBs and synchronous transfers for one emulated device: submit, reap, discard (usbdevfs semantics, as the
// kernel's devio.c gives them to libusb), with the device's answers coming from the Swift callbacks.
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/usbdevice_fs.h>

#include "rig_device.h"

void rig_urb_free(rig_urb *urb) {
    g_object_unref(urb->data);
    g_object_unref(urb->client);
    g_free(urb);
}

static struct usbdevfs_urb *urb_struct(rig_urb *urb) { return (struct usbdevfs_urb *)urb->data->data; }

// Runs the device callback for a URB and returns its result. A URB the device does not answer yet (a bulk IN
// with nothing to send, or any request to a hung device) stays pending; one sent to an unplugged device is
// left for the caller to fail.
static int rig_urb_run(rig_device *device, rig_urb *urb) {
    struct usbdevfs_urb *u = urb_struct(urb);
    // Only a resolved buffer points into local memory; an empty one still holds the client's address.
    uint8_t *buffer = u->buffer_length > 0 ? u->buffer : NULL;
    uint64_t delay = 0;
    int result;
    if (u->type == USBDEVFS_URB_TYPE_CONTROL) {
        if (u->buffer_length < 8 || buffer == NULL) {
            result = RIG_STALL;
        } else {
            int length = buffer[6] | (buffer[7] << 8);
            if (length > u->buffer_length - 8) length = u->buffer_length - 8;
            result = device->callbacks.control(device->callbacks.context, buffer, buffer + 8, length, &delay);
        }
    } else if (u->endpoint & 0x80) {
        result = device->callbacks.bulk_in(device->callbacks.context, u->endpoint, buffer, u->buffer_length, &delay);
    } else {
        result = device->callbacks.bulk_out(device->callbacks.context, u->endpoint, buffer, u->buffer_length, &delay);
    }
    if (result == RIG_PENDING) return result;
    if (result == RIG_NODEV) {
        device->gone = TRUE;
        // A URB already in flight when the device goes completes as the kernel completes it on disconnect.
        u->status = -ESHUTDOWN;
        u->actual_length = 0;
        urb->done = TRUE;
        urb->ready_at = 0;
        return result;
    }
    u->status = result < 0 ? -EPIPE : 0;
    u->actual_length = result < 0 ? 0 : result;
    urb->done = TRUE;
    urb->ready_at = g_get_monotonic_time() + (gint64)delay;
    return result;
}

void rig_submit_urb(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
    UMockdevIoctlData *data = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
    if (data == NULL) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    struct usbdevfs_urb *u = (struct usbdevfs_urb *)data->data;
    if (u->type != USBDEVFS_URB_TYPE_CONTROL && u->type != USBDEVFS_URB_TYPE_BULK &&
        u->type != USBDEVFS_URB_TYPE_INTERRUPT) {
        g_object_unref(data);
        umockdev_ioctl_client_complete(client, -1, EINVAL);
        return;
    }
    if (u->buffer_length > 0) {
        // The child stays referenced by `data`; only the pointer inside the URB matters from here on.
        UMockdevIoctlData *buffer =
            umockdev_ioctl_data_resolve(data, offsetof(struct usbdevfs_urb, buffer), u->buffer_length, NULL);
        if (buffer == NULL) {
            // Unresolved, u->buffer would still hold the client's address, which means nothing here.
            g_object_unref(data);
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            return;
        }
        g_object_unref(buffer);
    }
    rig_urb *urb = g_new0(rig_urb, 1);
    urb->data = data;
    urb->client = g_object_ref(client);
    if (rig_urb_run(device, urb) == RIG_NODEV) {
        // An unplugged device takes no new URBs: the submit itself fails, as usbdevfs does.
        rig_urb_free(urb);
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return;
    }
    device->urbs = g_list_append(device->urbs, urb);
    umockdev_ioctl_client_complete(client, 0, 0);
}

void rig_reap_urb(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
    gint64 now = g_get_monotonic_time();
    rig_urb *found = NULL;
    for (GList *item = device->urbs; item != NULL; item = item->next) {
        rig_urb *urb = item->data;
        if (urb->client != client) continue;
        if (!urb->done) rig_urb_run(device, urb);
        if (urb->done && urb->ready_at <= now) {
            found = urb;
            break;
        }
    }
    if (found == NULL) {
        // After an unplug, the kernel answers ENODEV once nothing is left to reap; libusb then drops the device.
        umockdev_ioctl_client_complete(client, -1, device->gone ? ENODEV : EAGAIN);
        return;
    }
    device->urbs = g_list_remove(device->urbs, found);
    UMockdevIoctlData *pointer = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
    if (pointer == NULL) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
    } else {
        umockdev_ioctl_data_set_ptr(pointer, 0, found->data);
        umockdev_ioctl_client_complete(client, 0, 0);
        g_object_unref(pointer);
    }
    rig_urb_free(found);
}

void rig_discard_urb(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
    gulong address = 0;
    if (arg->data_len >= (gint)sizeof(gpointer)) memcpy(&address, arg->data, sizeof(gpointer));
    for (GList *item = device->urbs; item != NULL; item = item->next) {
        rig_urb *urb = item->data;
        // A URB still on the bus (pending, or done but not yet due) can be taken back; a finished one cannot.
        if (urb->client == client && urb->data->client_addr == address &&
            (!urb->done || urb->ready_at > g_get_monotonic_time())) {
            struct usbdevfs_urb *u = urb_struct(urb);
            u->status = -ENOENT;
            u->actual_length = 0;
            urb->done = TRUE;
            urb->ready_at = 0;
            umockdev_ioctl_client_complete(client, 0, 0);
            return;
        }
    }
    umockdev_ioctl_client_complete(client, -1, EINVAL);
}

// Ends a synchronous transfer: a device that does not answer times out at once (the worker thread must not
// block), an unplugged one says ENODEV, a stall EPIPE.
static void complete_sync(rig_device *device, UMockdevIoctlClient *client, int result) {
    if (result == RIG_PENDING) {
        umockdev_ioctl_client_complete(client, -1, ETIMEDOUT);
    } else if (result == RIG_NODEV) {
        device->gone = TRUE;
        umockdev_ioctl_client_complete(client, -1, ENODEV);
    } else {
        umockdev_ioctl_client_complete(client, result < 0 ? -1 : result, result < 0 ? EPIPE : 0);
    }
}

// USBDEVFS_CONTROL: a synchronous control transfer (libusb itself always submits URBs; other tools may not).
void rig_sync_control(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
    UMockdevIoctlData *payload = NULL;
    UMockdevIoctlData *request = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_ctrltransfer), NULL);
    if (request == NULL) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    struct usbdevfs_ctrltransfer *transfer = (struct usbdevfs_ctrltransfer *)request->data;
    uint8_t setup[8] = {
        transfer->bRequestType, transfer->bRequest, transfer->wValue & 0xFF, transfer->wValue >> 8,
        transfer->wIndex & 0xFF, transfer->wIndex >> 8, transfer->wLength & 0xFF, transfer->wLength >> 8,
    };
    int length = transfer->wLength;
    if (length > 0) {
        payload = umockdev_ioctl_data_resolve(request, offsetof(struct usbdevfs_ctrltransfer, data), length, NULL);
        if (payload == NULL) {
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            g_object_unref(request);
            return;
        }
    }
    uint64_t delay = 0;
    int result = device->callbacks.control(device->callbacks.context, setup, payload ? payload->data : NULL,
                                           length, &delay);
    if (delay > 0) g_usleep(delay);
    complete_sync(device, client, result);
    if (payload != NULL) g_object_unref(payload);
    g_object_unref(request);
}

// USBDEVFS_BULK: a synchronous bulk transfer; an IN with nothing to send times out at once.
void rig_sync_bulk(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
    UMockdevIoctlData *payload = NULL;
    UMockdevIoctlData *request = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_bulktransfer), NULL);
    if (request == NULL) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    struct usbdevfs_bulktransfer *transfer = (struct usbdevfs_bulktransfer *)request->data;
    int length = (int)transfer->len;
    uint8_t endpoint = (uint8_t)transfer->ep;
    if (length > 0) {
        payload = umockdev_ioctl_data_resolve(request, offsetof(struct usbdevfs_bulktransfer, data), length, NULL);
        if (payload == NULL) {
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            g_object_unref(request);
            return;
        }
    }
    uint64_t delay = 0;
    uint8_t *bytes = payload ? payload->data : NULL;
    int result = (endpoint & 0x80)
        ? device->callbacks.bulk_in(device->callbacks.context, endpoint, bytes, length, &delay)
        : device->callbacks.bulk_out(device->callbacks.context, endpoint, bytes, length, &delay);
    if (delay > 0) g_usleep(delay);
    complete_sync(device, client, result);
    if (payload != NULL) g_object_unref(payload);
    g_object_unref(request);
}

// A process closed the device (or exited) with URBs in flight: they can never be reaped now.
void rig_client_vanished(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data) {
    (void)handler;
    rig_device *device = user_data;
    GList *item = device->urbs;
    while (item != NULL) {
        GList *next = item->next;
        rig_urb *urb = item->data;
        if (urb->client == client) {
            rig_urb_free(urb);
            device->urbs = g_list_delete_link(device->urbs, item);
        }
        item = next;
    }
}
