// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with
// everything in it when the object goes away, also when a test fails.
#ifndef PDFS_TESTS_SUPPORT_TEMP_DIR_H_
#define PDFS_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace pdfs::testing {

class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Reads a whole file; "" if it cannot be read.
std::string ReadFile(const std::string& path);
// Writes (replaces) a whole file; false on failure.
bool WriteFile(const std::string& path, const std::string& contents);

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_SUPPORT_TEMP_DIR_H_
