// SPDX-License-Identifier: BSD-2-Clause
#include "logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace dslite::app {

void start_logging(spdlog::level::level_enum level) {
    auto logger = spdlog::stderr_logger_st("dslite-aftr");
    logger->set_pattern("dslite-aftr: %l: %v");
    logger->set_level(level);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace dslite::app
