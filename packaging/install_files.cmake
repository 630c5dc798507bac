# SPDX-License-Identifier: BSD-2-Clause
# Run by cmake --install (packaging/CMakeLists.txt sets DSLITE_* first):
# the example configuration into the configuration directory of this
# install's prefix (/etc for /usr, as GNUInstallDirs has it), and the unit
# with the paths of this install.
if(IS_ABSOLUTE "${DSLITE_INSTALL_SYSCONFDIR}")
  set(_etc "${DSLITE_INSTALL_SYSCONFDIR}")
elseif(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_etc /etc)
else()
  set(_etc "${CMAKE_INSTALL_PREFIX}/${DSLITE_INSTALL_SYSCONFDIR}")
endif()
if(IS_ABSOLUTE "${DSLITE_INSTALL_SBINDIR}")
  set(_sbin "${DSLITE_INSTALL_SBINDIR}")
else()
  set(_sbin "${CMAKE_INSTALL_PREFIX}/${DSLITE_INSTALL_SBINDIR}")
endif()

file(INSTALL "${DSLITE_PACKAGING}/dslite-aftr.conf" DESTINATION "${_etc}")
set(DSLITE_SBINDIR "${_sbin}")
set(DSLITE_SYSCONFDIR "${_etc}")
configure_file("${DSLITE_PACKAGING}/dslite-aftr.service.in" "${DSLITE_GENERATED}/dslite-aftr.service" @ONLY)
file(INSTALL "${DSLITE_GENERATED}/dslite-aftr.service" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
