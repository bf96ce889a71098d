// usbdevfs emulation on top of umockdev. See include/rig_shim.h for the contract and DESIGN.md section 7.
// The pattern (attach the ioctl handler before adding the record, resolve URB buffers at submit time, hand the
// URB back through set_ptr at reap time) follows what libusb's own umockdev test relies on.
#include "rig_shim.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <linux/usbdevice_fs.h>
#include <umockdev.h>

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

static void rig_urb_free(rig_urb *urb) {
    g_object_unref(urb->data);
    g_object_unref(urb->client);
    g_free(urb);
}

typedef struct {
    rig_device_callbacks callbacks;
    UMockdevIoctlBase *handler;
    GList *urbs;
} rig_device;

struct rig_testbed {
    UMockdevTestbed *testbed;
    char *root;
    GPtrArray *devices;
    GPid child;
};

static char *describe(const char *what, GError *error) {
    char *text = g_strdup_printf("%s: %s", what, error ? error->message : "unknown error");
    g_clear_error(&error);
    return text;
}

static struct usbdevfs_urb *urb_struct(rig_urb *urb) { return (struct usbdevfs_urb *)urb->data->data; }

// Runs the device callback for a freshly submitted URB. IN bulk URBs with nothing to send stay pending.
static void rig_urb_run(rig_device *device, rig_urb *urb) {
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
        if (result == RIG_PENDING) return;
    } else {
        result = device->callbacks.bulk_out(device->callbacks.context, u->endpoint, buffer, u->buffer_length, &delay);
    }
    u->status = result < 0 ? -EPIPE : 0;
    u->actual_length = result < 0 ? 0 : result;
    urb->done = TRUE;
    urb->ready_at = g_get_monotonic_time() + (gint64)delay;
}

static void submit_urb(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
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
    device->urbs = g_list_append(device->urbs, urb);
    rig_urb_run(device, urb);
    umockdev_ioctl_client_complete(client, 0, 0);
}

static void reap_urb(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
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
        umockdev_ioctl_client_complete(client, -1, EAGAIN);
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

static void discard_urb(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
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

// USBDEVFS_CONTROL: a synchronous control transfer (libusb itself always submits URBs; other tools may not).
static void sync_control(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
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
    umockdev_ioctl_client_complete(client, result < 0 ? -1 : result, result < 0 ? EPIPE : 0);
    if (payload != NULL) g_object_unref(payload);
    g_object_unref(request);
}

// USBDEVFS_BULK: a synchronous bulk transfer; an IN with nothing to send times out at once.
static void sync_bulk(rig_device *device, UMockdevIoctlClient *client, UMockdevIoctlData *arg) {
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
    if (result == RIG_PENDING) {
        umockdev_ioctl_client_complete(client, -1, ETIMEDOUT);
    } else {
        umockdev_ioctl_client_complete(client, result < 0 ? -1 : result, result < 0 ? EPIPE : 0);
    }
    if (payload != NULL) g_object_unref(payload);
    g_object_unref(request);
}

static void answer_u32(UMockdevIoctlClient *client, UMockdevIoctlData *arg, guint32 value) {
    UMockdevIoctlData *out = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
    if (out == NULL) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    memcpy(out->data, &value, sizeof(value));
    umockdev_ioctl_client_complete(client, 0, 0);
    g_object_unref(out);
}

// A process closed the device (or exited) with URBs in flight: they can never be reaped now.
static void client_vanished(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data) {
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

static gboolean handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data) {
    (void)handler;
    rig_device *device = user_data;
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    switch (umockdev_ioctl_client_get_request(client)) {
    case USBDEVFS_GET_CAPABILITIES:
        answer_u32(client, arg, USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                   USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_BULK_SCATTER_GATHER |
                   USBDEVFS_CAP_REAP_AFTER_DISCONNECT);
        break;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_SETINTERFACE: {
        UMockdevIoctlData *request = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_setinterface), NULL);
        if (request == NULL) {
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            break;
        }
        struct usbdevfs_setinterface *choice = (struct usbdevfs_setinterface *)request->data;
        int result = device->callbacks.set_interface(device->callbacks.context, choice->interface,
                                                     choice->altsetting);
        umockdev_ioctl_client_complete(client, result < 0 ? -1 : 0, result < 0 ? EINVAL : 0);
        g_object_unref(request);
        break;
    }
    case USBDEVFS_RESET:
        device->callbacks.reset(device->callbacks.context);
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_GETDRIVER:
    case USBDEVFS_IOCTL:
        // No kernel driver is bound to a virtual device.
        umockdev_ioctl_client_complete(client, -1, ENODATA);
        break;
    case USBDEVFS_GET_SPEED:
        umockdev_ioctl_client_complete(client, 2 /* USB_SPEED_FULL */, 0);
        break;
    case USBDEVFS_SUBMITURB:
        submit_urb(device, client, arg);
        break;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
        // The blocking variant is answered like the non-blocking one: libusb only uses it after poll().
        reap_urb(device, client, arg);
        break;
    case USBDEVFS_DISCARDURB:
        discard_urb(device, client, arg);
        break;
    case USBDEVFS_CONTROL:
        sync_control(device, client, arg);
        break;
    case USBDEVFS_BULK:
        sync_bulk(device, client, arg);
        break;
    default:
        umockdev_ioctl_client_complete(client, -1, ENOTTY);
        break;
    }
    return TRUE;
}

rig_testbed *rig_testbed_new(char **error) {
    rig_testbed *testbed = g_new0(rig_testbed, 1);
    // umockdev points this process's UMOCKDEV_DIR at the new testbed; only the child should see it (the rig
    // passes it explicitly), so the previous value is put back.
    char *previous = g_strdup(g_getenv("UMOCKDEV_DIR"));
    testbed->testbed = umockdev_testbed_new();
    if (previous != NULL) {
        g_setenv("UMOCKDEV_DIR", previous, TRUE);
    } else {
        g_unsetenv("UMOCKDEV_DIR");
    }
    g_free(previous);
    if (testbed->testbed == NULL) {
        if (error) *error = g_strdup("umockdev could not create a testbed");
        g_free(testbed);
        return NULL;
    }
    testbed->root = umockdev_testbed_get_root_dir(testbed->testbed);
    testbed->devices = g_ptr_array_new();
    return testbed;
}

const char *rig_testbed_root(const rig_testbed *testbed) { return testbed->root; }

int rig_testbed_add_device(rig_testbed *testbed, const char *devnode, const char *record,
                           const rig_device_callbacks *callbacks, char **error) {
    GError *failure = NULL;
    rig_device *device = g_new0(rig_device, 1);
    device->callbacks = *callbacks;
    device->handler = umockdev_ioctl_base_new();
    g_signal_connect(device->handler, "handle-ioctl", G_CALLBACK(handle_ioctl), device);
    g_signal_connect(device->handler, "client-vanished", G_CALLBACK(client_vanished), device);
    g_ptr_array_add(testbed->devices, device);
    if (!umockdev_testbed_attach_ioctl(testbed->testbed, devnode, device->handler, &failure)) {
        if (error) *error = describe("cannot attach the ioctl handler", failure);
        return -1;
    }
    if (!umockdev_testbed_add_from_string(testbed->testbed, record, &failure)) {
        if (error) *error = describe("cannot add the device record", failure);
        return -1;
    }
    return 0;
}

// The child whose SIGINT/SIGTERM the rig forwards; only touched by the handler and rig_testbed_run.
static volatile pid_t forwarded_child = 0;

static void forward_signal(int signal_number) {
    if (forwarded_child > 0) kill(forwarded_child, signal_number);
}

int rig_testbed_run(rig_testbed *testbed, char *const *argv, char *const *envp, int forward_signals, char **error) {
    GError *failure = NULL;
    GSpawnFlags flags = G_SPAWN_SEARCH_PATH_FROM_ENVP | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN;
    if (!g_spawn_async(NULL, (char **)argv, (char **)envp, flags, NULL, NULL, &testbed->child, &failure)) {
        if (error) *error = describe("cannot start the command", failure);
        return -1;
    }
    struct sigaction previous_interrupt, previous_terminate;
    if (forward_signals) {
        struct sigaction action;
        memset(&action, 0, sizeof(action));
        action.sa_handler = forward_signal;
        sigemptyset(&action.sa_mask);
        forwarded_child = testbed->child;
        sigaction(SIGINT, &action, &previous_interrupt);
        sigaction(SIGTERM, &action, &previous_terminate);
    }
    // umockdev serves the ioctls on its own worker thread and main context, so this thread only waits. A plain
    // waitpid rather than a GLib child watch: that would take over SIGCHLD for the whole process, which a host
    // process (the test runner) may rely on for its own children.
    int status = 0;
    pid_t done;
    do {
        done = waitpid(testbed->child, &status, 0);
    } while (done < 0 && errno == EINTR);
    if (forward_signals) {
        sigaction(SIGINT, &previous_interrupt, NULL);
        sigaction(SIGTERM, &previous_terminate, NULL);
        forwarded_child = 0;
    }
    g_spawn_close_pid(testbed->child);
    testbed->child = 0;
    if (done < 0) return 1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

void rig_testbed_free(rig_testbed *testbed) {
    if (testbed == NULL) return;
    // Dropping the testbed removes its temporary root; handlers go with it.
    g_clear_object(&testbed->testbed);
    for (guint index = 0; index < testbed->devices->len; index++) {
        rig_device *device = g_ptr_array_index(testbed->devices, index);
        g_list_free_full(device->urbs, (GDestroyNotify)rig_urb_free);
        g_clear_object(&device->handler);
        g_free(device);
    }
    g_ptr_array_free(testbed->devices, TRUE);
    g_free(testbed->root);
    g_free(testbed);
}

void rig_free_string(char *string) { g_free(string); }
