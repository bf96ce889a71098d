#pragma once
#include <umockdev.h>
#include <linux/usbdevice_fs.h>
