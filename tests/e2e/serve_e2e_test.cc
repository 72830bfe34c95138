// End to end: the real `pdfs serve` process.
#include <gtest/gtest.h>

#include "support/pdfs_process.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

TEST(ServeE2eTest, StartsAndStopsCleanlyOnSigterm) {
  pdfs::testing::TempDir dir;
  pdfs::testing::PdfsServe server(PDFS_BINARY, dir.Sub("data"));
  ASSERT_TRUE(server.ok());
  int status = server.Stop();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace pdfs
