// Error kinds shared by every roadwarden component.
//
// Errors are exceptions of one of the kinds below, thrown where the problem is found and
// converted to a user-facing message (or an HTTP status) at one boundary (the CLI or the
// server). "No plate in this frame" is never an error; "could not decode the frame" always is.
#pragma once

#include <stdexcept>
#include <string>

namespace roadwarden {

/// Base of every roadwarden error; what() is a complete, human-readable sentence.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Input that is malformed or out of range (bad image, bad option, bad plate text).
class InvalidInput : public Error {
 public:
  using Error::Error;
};

/// An operating-system or I/O failure (file missing, unreadable, disk full).
class IoError : public Error {
 public:
  using Error::Error;
};

/// Stored data that failed an integrity check (tampered evidence, corrupt database).
class Corrupt : public Error {
 public:
  using Error::Error;
};

/// The caller is not allowed to do this.
class PermissionDenied : public Error {
 public:
  using Error::Error;
};

/// A broken invariant inside roadwarden: a bug, never the user's fault.
class InternalError : public Error {
 public:
  using Error::Error;
};

}  // namespace roadwarden
