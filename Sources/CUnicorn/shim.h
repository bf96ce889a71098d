#pragma once
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <unicorn/unicorn.h>

// Debian's libunicorn 2.0.1 exports its own partial GLib (g_free, g_hash_table_*, ... 85 symbols). Linked into a
// process that also uses the real GLib (umockdev, in the same rig), whichever comes first in the global symbol
// scope serves both, and GIO crashed calling through unicorn's tables. So libunicorn is not linked: it is loaded
// with RTLD_LOCAL (its symbols stay out of the global scope) and RTLD_DEEPBIND (it binds to its own copies first),
// and called through this table. RTLD_DEEPBIND is spelled out because it needs _GNU_SOURCE in <dlfcn.h>.
#ifndef RTLD_DEEPBIND
#define RTLD_DEEPBIND 0x00008
#endif

typedef struct {
    uc_err (*open)(uc_arch, uc_mode, uc_engine **);
    uc_err (*close)(uc_engine *);
    const char *(*strerror)(uc_err);
    uc_err (*mem_map)(uc_engine *, uint64_t, size_t, uint32_t);
    uc_err (*mem_map_ptr)(uc_engine *, uint64_t, size_t, uint32_t, void *);
    uc_err (*mmio_map)(uc_engine *, uint64_t, size_t, uc_cb_mmio_read_t, void *, uc_cb_mmio_write_t, void *);
    uc_err (*mem_read)(uc_engine *, uint64_t, void *, size_t);
    uc_err (*mem_write)(uc_engine *, uint64_t, const void *, size_t);
    uc_err (*reg_read)(uc_engine *, int, void *);
    uc_err (*reg_write)(uc_engine *, int, const void *);
    uc_err (*emu_start)(uc_engine *, uint64_t, uint64_t, uint64_t, size_t);
    uc_err (*emu_stop)(uc_engine *);
    uc_err (*hook_add)(uc_engine *, uc_hook *, int, void *, void *, uint64_t, uint64_t, ...);
    uc_err (*hook_del)(uc_engine *, uc_hook);
    uc_err (*ctl)(uc_engine *, uc_control_type, ...);
    uc_err (*context_alloc)(uc_engine *, uc_context **);
    uc_err (*context_save)(uc_engine *, uc_context *);
    uc_err (*context_restore)(uc_engine *, uc_context *);
    uc_err (*context_free)(uc_context *);
} cunicorn_api;

// The state lives in function-local statics: Swift emits the bodies of a module's inline functions, not its
// file-scope variables. Each Swift file gets its own copy; loading twice just finds the same library.
static inline cunicorn_api *cunicorn_api_table(void) {
    static cunicorn_api table;
    return &table;
}
static inline int *cunicorn_loaded_flag(void) {
    static int loaded;
    return &loaded;
}
static inline pthread_once_t *cunicorn_once_control(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    return &once;
}

static inline void cunicorn_load(void) {
    void *handle = dlopen("libunicorn.so.2", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (handle == NULL) return;
    cunicorn_api *table = cunicorn_api_table();
#define CUNICORN_BIND(field, symbol) *(void **)(&table->field) = dlsym(handle, symbol)
    CUNICORN_BIND(open, "uc_open");
    CUNICORN_BIND(close, "uc_close");
    CUNICORN_BIND(strerror, "uc_strerror");
    CUNICORN_BIND(mem_map, "uc_mem_map");
    CUNICORN_BIND(mem_map_ptr, "uc_mem_map_ptr");
    CUNICORN_BIND(mmio_map, "uc_mmio_map");
    CUNICORN_BIND(mem_read, "uc_mem_read");
    CUNICORN_BIND(mem_write, "uc_mem_write");
    CUNICORN_BIND(reg_read, "uc_reg_read");
    CUNICORN_BIND(reg_write, "uc_reg_write");
    CUNICORN_BIND(emu_start, "uc_emu_start");
    CUNICORN_BIND(emu_stop, "uc_emu_stop");
    CUNICORN_BIND(hook_add, "uc_hook_add");
    CUNICORN_BIND(hook_del, "uc_hook_del");
    CUNICORN_BIND(ctl, "uc_ctl");
    CUNICORN_BIND(context_alloc, "uc_context_alloc");
    CUNICORN_BIND(context_save, "uc_context_save");
    CUNICORN_BIND(context_restore, "uc_context_restore");
    CUNICORN_BIND(context_free, "uc_context_free");
#undef CUNICORN_BIND
    *cunicorn_loaded_flag() = table->open && table->close && table->strerror && table->mem_map
        && table->mem_map_ptr && table->mmio_map && table->mem_read && table->mem_write && table->reg_read
        && table->reg_write && table->emu_start && table->emu_stop && table->hook_add && table->hook_del
        && table->ctl && table->context_alloc && table->context_save && table->context_restore
        && table->context_free;
}

/// Loads libunicorn.so.2 once (per translation unit); 0 when it is missing or incomplete.
static inline int cunicorn_available(void) {
    pthread_once(cunicorn_once_control(), cunicorn_load);
    return *cunicorn_loaded_flag();
}

// Every wrapper below is only called after cunicorn_available() returned 1 (CortexMCore checks it first).
static inline uc_err cunicorn_open(uc_arch arch, uc_mode mode, uc_engine **uc) {
    return cunicorn_available() ? cunicorn_api_table()->open(arch, mode, uc) : UC_ERR_HANDLE;
}
static inline uc_err cunicorn_close(uc_engine *uc) {
    cunicorn_available();
    return cunicorn_api_table()->close(uc);
}
static inline const char *cunicorn_strerror(uc_err code) {
    return cunicorn_available() ? cunicorn_api_table()->strerror(code) : "libunicorn.so.2 could not be loaded";
}
static inline uc_err cunicorn_mem_map(uc_engine *uc, uint64_t address, size_t size, uint32_t perms) {
    cunicorn_available();
    return cunicorn_api_table()->mem_map(uc, address, size, perms);
}
static inline uc_err cunicorn_mem_map_ptr(uc_engine *uc, uint64_t address, size_t size, uint32_t perms, void *ptr) {
    cunicorn_available();
    return cunicorn_api_table()->mem_map_ptr(uc, address, size, perms, ptr);
}
static inline uc_err cunicorn_mmio_map(uc_engine *uc, uint64_t address, size_t size, uc_cb_mmio_read_t read,
                                       void *read_data, uc_cb_mmio_write_t write, void *write_data) {
    cunicorn_available();
    return cunicorn_api_table()->mmio_map(uc, address, size, read, read_data, write, write_data);
}
static inline uc_err cunicorn_mem_read(uc_engine *uc, uint64_t address, void *bytes, size_t size) {
    cunicorn_available();
    return cunicorn_api_table()->mem_read(uc, address, bytes, size);
}
static inline uc_err cunicorn_mem_write(uc_engine *uc, uint64_t address, const void *bytes, size_t size) {
    cunicorn_available();
    return cunicorn_api_table()->mem_write(uc, address, bytes, size);
}
static inline uc_err cunicorn_reg_read(uc_engine *uc, int regid, void *value) {
    cunicorn_available();
    return cunicorn_api_table()->reg_read(uc, regid, value);
}
static inline uc_err cunicorn_reg_write(uc_engine *uc, int regid, const void *value) {
    cunicorn_available();
    return cunicorn_api_table()->reg_write(uc, regid, value);
}
static inline uc_err cunicorn_emu_start(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout,
                                        size_t count) {
    cunicorn_available();
    return cunicorn_api_table()->emu_start(uc, begin, until, timeout, count);
}
static inline uc_err cunicorn_emu_stop(uc_engine *uc) {
    cunicorn_available();
    return cunicorn_api_table()->emu_stop(uc);
}

// uc_hook_add is variadic (extra arguments for instruction hooks); memory, interrupt and code hooks need none.
static inline uc_err cunicorn_hook_add(uc_engine *uc, uc_hook *hh, int type, void *callback, void *user_data,
                                       uint64_t begin, uint64_t end) {
    cunicorn_available();
    return cunicorn_api_table()->hook_add(uc, hh, type, callback, user_data, begin, end);
}
static inline uc_err cunicorn_hook_del(uc_engine *uc, uc_hook hh) {
    cunicorn_available();
    return cunicorn_api_table()->hook_del(uc, hh);
}

// uc_ctl is variadic and its helpers are macros, which Swift cannot import; these wrappers can be.
static inline uc_err cunicorn_set_cpu_model(uc_engine *uc, int model) {
    cunicorn_available();
    return cunicorn_api_table()->ctl(uc, UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1), model);
}
static inline uc_err cunicorn_remove_cache(uc_engine *uc, uint64_t address, uint64_t end) {
    cunicorn_available();
    return cunicorn_api_table()->ctl(uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), address, end);
}

static inline uc_err cunicorn_context_alloc(uc_engine *uc, uc_context **context) {
    cunicorn_available();
    return cunicorn_api_table()->context_alloc(uc, context);
}
static inline uc_err cunicorn_context_save(uc_engine *uc, uc_context *context) {
    cunicorn_available();
    return cunicorn_api_table()->context_save(uc, context);
}
static inline uc_err cunicorn_context_restore(uc_engine *uc, uc_context *context) {
    cunicorn_available();
    return cunicorn_api_table()->context_restore(uc, context);
}
static inline uc_err cunicorn_context_free(uc_context *context) {
    cunicorn_available();
    return cunicorn_api_table()->context_free(context);
}
