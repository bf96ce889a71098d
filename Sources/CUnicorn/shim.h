#pragma once
#include <unicorn/unicorn.h>

// uc_ctl is variadic and its helpers are macros, which Swift cannot import; these wrappers can be.
static inline uc_err cunicorn_set_cpu_model(uc_engine *uc, int model) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1), model);
}

static inline uc_err cunicorn_remove_cache(uc_engine *uc, uint64_t address, uint64_t end) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), address, end);
}

static inline uc_err cunicorn_flush_tlb(uc_engine *uc) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
}

// uc_hook_add is variadic (extra arguments for instruction hooks); memory, interrupt and MMIO hooks need none.
static inline uc_err cunicorn_hook_add(uc_engine *uc, uc_hook *hh, int type, void *callback, void *user_data,
                                       uint64_t begin, uint64_t end) {
    return uc_hook_add(uc, hh, type, callback, user_data, begin, end);
}
