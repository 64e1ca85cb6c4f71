#ifndef PM_CSQLITE_SHIM_H
#define PM_CSQLITE_SHIM_H
// The system SQLite (Debian: libsqlite3-dev), for the embedded log and the read models.
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro over a cast Swift cannot import.
static inline sqlite3_destructor_type pm_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
