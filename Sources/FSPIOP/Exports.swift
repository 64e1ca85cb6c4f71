// The FSPIOP layer speaks in PMCore values (canonical JSON for signatures, the ILP transaction object,
// timestamps);
// re-export them so that users of FSPIOP need one import.
@_exported import PMCore
