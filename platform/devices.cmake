# SPDX-License-Identifier: BSD-2-Clause
# Devices behind platform/device.hpp, their factory and interface setup:
# the portable part, then the folder of the target system (DSLITE_PLATFORM).
# Included from platform/CMakeLists.txt.
set(_dev ${CMAKE_CURRENT_LIST_DIR})

set(_system_sources_Linux linux/datagrams.cpp linux/netlink.cpp linux/privileges.cpp linux/raw_device.cpp linux/system.cpp
  linux/tun_device.cpp linux/tun_ring.cpp linux/tun_offload.cpp)
set(_system_sources_Darwin darwin/system.cpp darwin/utun_device.cpp posix/datagrams_one_by_one.cpp
  posix/privileges_unsupported.cpp bsd/queues.cpp)
set(_system_sources_FreeBSD freebsd/system.cpp freebsd/tun_device.cpp posix/datagrams_one_by_one.cpp
  posix/privileges_unsupported.cpp bsd/queues.cpp)
set(_system_sources_OpenBSD openbsd/system.cpp openbsd/tun_device.cpp posix/datagrams_one_by_one.cpp
  posix/privileges_unsupported.cpp bsd/queues.cpp)
list(TRANSFORM _system_sources_${DSLITE_PLATFORM} PREPEND ${_dev}/ OUTPUT_VARIABLE _system_sources)

add_library(dslite_devices STATIC
  ${_dev}/device_factory.cpp
  ${_dev}/bsd/interface_commands.cpp
  ${_dev}/posix/account.cpp
  ${_dev}/posix/capture_device.cpp
  ${_dev}/posix/command.cpp
  ${_dev}/posix/framed_tun_device.cpp
  ${_dev}/posix/socket_address.cpp
  ${_dev}/posix/udp_device.cpp
  ${_dev}/posix/wakeup.cpp
  ${_system_sources}
)
target_include_directories(dslite_devices PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dslite_devices PUBLIC dslite_core dslite_pcap spdlog::spdlog)
if(DSLITE_PLATFORM STREQUAL "Linux")
  # liburing-dev ships no CMake package on Debian 12.
  find_path(URING_INCLUDE_DIR liburing.h REQUIRED)
  find_library(URING_LIBRARY uring REQUIRED)
  target_include_directories(dslite_devices PUBLIC ${URING_INCLUDE_DIR})
  target_link_libraries(dslite_devices PUBLIC ${URING_LIBRARY})
endif()

if(NOT DSLITE_TESTS)
  return()
endif()
include(GoogleTest)

# Unprivileged: spec parsing, the UDP softwire over 127.0.0.1, capture files,
# the fake device, the BSD/macOS tun framing over a socketpair, the setup
# commands each OS gets.
add_executable(dslite_device_tests
  ${_dev}/tests/device_factory_test.cpp
  ${_dev}/tests/peer_table_test.cpp
  ${_dev}/tests/udp_device_test.cpp
  ${_dev}/tests/capture_device_test.cpp
  ${_dev}/tests/fake_device_test.cpp
  ${_dev}/tests/framed_tun_device_test.cpp
  ${_dev}/tests/interface_commands_test.cpp
  ${_dev}/tests/command_test.cpp
  ${_dev}/tests/account_test.cpp
)
target_link_libraries(dslite_device_tests PRIVATE dslite_devices GTest::gtest_main)
gtest_discover_tests(dslite_device_tests TEST_PREFIX "devices." DISCOVERY_TIMEOUT 30)

if(NOT DSLITE_PLATFORM STREQUAL "Linux")
  return()
endif()
# TUN offloads are Linux's: cutting and joining checked by the test decoder.
target_sources(dslite_device_tests PRIVATE ${_dev}/tests/tun_offload_test.cpp)
target_link_libraries(dslite_device_tests PRIVATE dslite_test_support)

# As root, inside a network namespace the script creates and always deletes:
# TUN round trips, netlink setup, the raw IPv4-in-IPv6 device.
add_executable(dslite_device_netns_tests ${_dev}/tests/netns_device_test.cpp)
target_link_libraries(dslite_device_netns_tests PRIVATE dslite_devices GTest::gtest_main)
add_test(NAME devices.netns
         COMMAND bash ${_dev}/tests/run_in_netns.sh $<TARGET_FILE:dslite_device_netns_tests>)
# As root in a namespace of its own: a TCP connection of the kernel's through
# an offloaded TUN, the test playing the far end.
add_executable(dslite_offload_netns_tests ${_dev}/tests/netns_offload_test.cpp)
target_link_libraries(dslite_offload_netns_tests PRIVATE dslite_devices dslite_test_support GTest::gtest_main)
add_test(NAME devices.netns_offload
         COMMAND bash ${_dev}/tests/run_in_netns.sh $<TARGET_FILE:dslite_offload_netns_tests>)
