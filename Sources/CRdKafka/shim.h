#ifndef PM_CRDKAFKA_SHIM_H
#define PM_CRDKAFKA_SHIM_H
// librdkafka (Debian: librdkafka-dev), with its mock cluster for the tests and the tools.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
