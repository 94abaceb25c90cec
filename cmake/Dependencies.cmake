# Every third-party dependency, found once, as imported targets. All come from Debian 12 packages
# (dev.sh installs them); a missing one stops configure with the package to install.
find_package(PkgConfig REQUIRED)

function(auditstream_require_pkg target module debian_package)
  pkg_check_modules(${target} IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "pkg-config module '${module}' not found: apt-get install ${debian_package} (or run ./dev.sh setup)")
  endif()
endfunction()

auditstream_require_pkg(RDKAFKA rdkafka librdkafka-dev)        # PkgConfig::RDKAFKA
auditstream_require_pkg(HYPERSCAN libhs libhyperscan-dev)      # PkgConfig::HYPERSCAN

macro(auditstream_require_config name debian_package)
  find_package(${name} CONFIG QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "CMake package '${name}' not found: apt-get install ${debian_package} (or run ./dev.sh setup)")
  endif()
endmacro()

auditstream_require_config(simdjson libsimdjson-dev)           # simdjson::simdjson
auditstream_require_config(yaml-cpp libyaml-cpp-dev)           # yaml-cpp
auditstream_require_config(prometheus-cpp prometheus-cpp-dev)  # prometheus-cpp::core, ::pull
find_package(CURL REQUIRED)                                    # CURL::libcurl
find_package(Threads REQUIRED)

if(AUDITSTREAM_BUILD_TESTS)
  auditstream_require_config(GTest "libgtest-dev libgmock-dev")  # GTest::gtest, GTest::gmock
endif()
if(AUDITSTREAM_BUILD_BENCHMARKS)
  auditstream_require_config(benchmark libbenchmark-dev)         # benchmark::benchmark
endif()
