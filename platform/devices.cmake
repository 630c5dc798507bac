# Devices: TUN, raw IPv6, UDP softwire and capture files behind platform/device.hpp,
# plus the device-spec factory. Included from platform/CMakeLists.txt.
set(_dev ${CMAKE_CURRENT_LIST_DIR})

add_library(dslite_devices STATIC
  ${_dev}/device_factory.cpp
  ${_dev}/linux/capture_device.cpp
  ${_dev}/linux/netlink.cpp
  ${_dev}/linux/raw_device.cpp
  ${_dev}/linux/socket_address.cpp
  ${_dev}/linux/tun_device.cpp
  ${_dev}/linux/udp_device.cpp
)
target_include_directories(dslite_devices PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dslite_devices PUBLIC dslite_core dslite_pcap spdlog::spdlog)

include(GoogleTest)

# Unprivileged: spec parsing, the UDP softwire over 127.0.0.1, capture files, the fake device.
add_executable(dslite_device_tests
  ${_dev}/tests/device_factory_test.cpp
  ${_dev}/tests/peer_table_test.cpp
  ${_dev}/tests/udp_device_test.cpp
  ${_dev}/tests/capture_device_test.cpp
  ${_dev}/tests/fake_device_test.cpp
)
target_link_libraries(dslite_device_tests PRIVATE dslite_devices GTest::gtest_main)
gtest_discover_tests(dslite_device_tests TEST_PREFIX "devices." DISCOVERY_TIMEOUT 30)

# As root, inside a network namespace the script creates and always deletes:
# TUN round trips, netlink setup, the raw IPv4-in-IPv6 device.
add_executable(dslite_device_netns_tests ${_dev}/tests/netns_device_test.cpp)
target_link_libraries(dslite_device_netns_tests PRIVATE dslite_devices GTest::gtest_main)
add_test(NAME devices.netns
         COMMAND bash ${_dev}/tests/run_in_netns.sh $<TARGET_FILE:dslite_device_netns_tests>)
