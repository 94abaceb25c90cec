# Warnings for our own targets only (third-party headers are system includes).
# -Wno-missing-field-initializers: GCC 12 warns on designated initializers that leave members at their
# defaults ({.method = "GET", .url = u}), which is the idiom we want for option structs.
add_library(auditstream_warnings INTERFACE)
target_compile_options(auditstream_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wno-missing-field-initializers -Wsign-conversion -Wnull-dereference -Wimplicit-fallthrough)
if(AUDITSTREAM_WERROR)
  target_compile_options(auditstream_warnings INTERFACE -Werror)
endif()

# Sanitizers are chosen by preset (AUDITSTREAM_SANITIZE=address;undefined | thread) and apply to every
# target so that the instrumented code and its runtime agree.
set(AUDITSTREAM_SANITIZE "" CACHE STRING "Sanitizers: address;undefined, or thread")
if(AUDITSTREAM_SANITIZE)
  list(JOIN AUDITSTREAM_SANITIZE "," _sanitizers)
  add_compile_options(-fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_sanitizers})
endif()

# simdjson On-Demand is compiled into our code for ONE instruction set chosen at compile time (unlike its
# DOM API, which dispatches at run time). Without these flags GCC targets baseline x86-64 and On-Demand
# uses its scalar "fallback" kernel, ~3x slower. x86-64-v3 (+PCLMUL) selects the haswell kernel; every
# x86 server CPU since 2015 has it. Set AUDITSTREAM_ARCH_FLAGS="" for a portable (slower) build.
set(AUDITSTREAM_ARCH_FLAGS "-march=x86-64-v3;-mpclmul" CACHE STRING "Instruction-set flags for all targets")
if(AUDITSTREAM_ARCH_FLAGS AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  add_compile_options(${AUDITSTREAM_ARCH_FLAGS})
endif()
