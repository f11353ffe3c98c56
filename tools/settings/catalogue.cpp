#include "catalogue.h"

#include "experiment_catalogue.h"
#include "platform.h"
#include "tlmmu/cache/cache.h"
#include "tlmmu/core/config.h"
#include "tlmmu/machine/smp_config.h"
#include "tlmmu/os/os_model.h"
#include "tlmmu/synth/synthetic.h"

namespace tlmmu::settings_command {

std::vector<const settings::GroupBase*> catalogue() {
    return {&mmu_settings(), &settings::memory_settings(), &cache::cache_settings(), &os::os_settings_group(),
            &platform::platform_settings(), &synth::synth_settings(), &machine::smp_settings(),
            &experiments::param_settings()};
}

}  // namespace tlmmu::settings_command
