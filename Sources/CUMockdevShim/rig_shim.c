// usbdevfs emulation on top of umockdev. See include/rig_shim.h for the contract and DESIGN.md section 7.
// The pattern (attach the ioctl handler before adding the record, resolve URB buffers at submit time, hand the
// URB back through set_ptr at reap time) follows what libusb's own umockdev test relies on.
#include "rig_device.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <linux/usbdevice_fs.h>
#include <umockdev.h>

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

static gboolean handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data) {
    (void)handler;
    rig_device *device = user_data;
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    gulong request = umockdev_ioctl_client_get_request(client);
    // An unplugged device answers nothing but the reaping of URBs that were already done (the kernel's
    // USBDEVFS_CAP_REAP_AFTER_DISCONNECT).
    if (device->gone && request != USBDEVFS_REAPURB && request != USBDEVFS_REAPURBNDELAY &&
        request != USBDEVFS_DISCARDURB) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return TRUE;
    }
    switch (request) {
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
        rig_submit_urb(device, client, arg);
        break;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
        // The blocking variant is answered like the non-blocking one: libusb only uses it after poll().
        rig_reap_urb(device, client, arg);
        break;
    case USBDEVFS_DISCARDURB:
        rig_discard_urb(device, client, arg);
        break;
    case USBDEVFS_CONTROL:
        rig_sync_control(device, client, arg);
        break;
    case USBDEVFS_BULK:
        rig_sync_bulk(device, client, arg);
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
    g_signal_connect(device->handler, "client-vanished", G_CALLBACK(rig_client_vanished), device);
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

/* The command starts with no signal blocked: the rig's threads may block some (SIGCHLD among them), and a
 * signal mask survives exec, so a shell run under the rig would otherwise never see its jobs end. */
static void unblock_signals(gpointer unused) {
    (void)unused;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int rig_testbed_run(rig_testbed *testbed, char *const *argv, char *const *envp, int forward_signals, char **error) {
    GError *failure = NULL;
    GSpawnFlags flags = G_SPAWN_SEARCH_PATH_FROM_ENVP | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN;
    if (!g_spawn_async(NULL, (char **)argv, (char **)envp, flags, unblock_signals, NULL, &testbed->child, &failure)) {
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
