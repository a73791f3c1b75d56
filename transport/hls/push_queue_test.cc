// PushQueue without a server: which request may start, with several in flight, in simulated time.
#include "transport/hls/push_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strait::transport::hls {
namespace {

using namespace std::chrono_literals;
using Job = PushQueue::Job;

PushQueue::Bytes Body(const std::string& text) {
  return std::make_shared<const std::vector<uint8_t>>(text.begin(), text.end());
}
// prefix + i (GCC 12 warns on "literal" + std::string wrongly: bug 105651).
std::string Numbered(std::string prefix, int i) {
  return prefix += std::to_string(i);
}
std::string Text(const Job& job) {
  return job.bytes ? std::string(job.bytes->begin(), job.bytes->end()) : "(delete)";
}

class PushQueueTest : public ::testing::Test {
 protected:
  PushQueue::Clock::time_point now_ = PushQueue::Clock::time_point() + 1000s;
  PushQueue queue_{{.retries = 0, .first_backoff = 100ms}};

  void Put(const std::string& path, const std::string& text = "x") {
    queue_.Add(path, Body(text), now_);
  }
  void Remove(const std::string& path) { queue_.Add(path, nullptr, now_); }
  std::optional<Job> Next() { return queue_.Next(now_); }
  // Every request that may start now.
  std::vector<Job> All() {
    std::vector<Job> out;
    while (std::optional<Job> job = Next())
      out.push_back(*job);
    return out;
  }
  static std::vector<std::string> Paths(const std::vector<Job>& jobs) {
    std::vector<std::string> out;
    for (const Job& j : jobs)
      out.push_back(j.bytes ? j.path : "DELETE " + j.path);
    return out;
  }
  PushQueue::Outcome Done(const Job& job, bool ok = true) { return queue_.Done(job, ok, now_); }
};

TEST_F(PushQueueTest, PlaylistWaitsForItsOwnObjectsOnly) {
  Put("s/a/part1.m4s");
  Put("s/a/playlist.m3u8");
  Put("s/b/part1.m4s");
  Put("s/b/playlist.m3u8");
  std::vector<Job> first = All();
  EXPECT_EQ(Paths(first), (std::vector<std::string>{"s/a/part1.m4s", "s/b/part1.m4s"}));
  Done(first[1]);  // b's part is on the target: b's playlist may go, a's may not
  std::vector<Job> second = All();
  EXPECT_EQ(Paths(second), (std::vector<std::string>{"s/b/playlist.m3u8"}));
  Done(first[0]);
  EXPECT_EQ(Paths(All()), (std::vector<std::string>{"s/a/playlist.m3u8"}));
}

TEST_F(PushQueueTest, NewestReadyVersionGoesOnceAndKeepsItsPlace) {
  Put("s/a/part1.m4s");
  Put("s/a/playlist.m3u8", "v1");
  std::optional<Job> part1 = Next();
  ASSERT_TRUE(part1);
  // While part1 is slow, more parts come and go, each with a new version of the playlist.
  for (int i = 2; i <= 5; ++i) {
    Put(Numbered("s/a/part", i) + ".m4s");
    Put("s/a/playlist.m3u8", Numbered("v", i));
    std::optional<Job> part = Next();
    ASSERT_TRUE(part);
    EXPECT_EQ(part->path, Numbered("s/a/part", i) + ".m4s");
    Done(*part);
  }
  Put("s/a/part6.m4s");  // after v5: v5 does not wait for it, v6 would
  Put("s/a/playlist.m3u8", "v6");
  EXPECT_EQ(queue_.GetStats(now_).queued, 3u);  // part1, part6, one playlist
  Done(*part1);
  // The playlist goes before part6 (it was queued first) and as v5: v6 lists part6.
  std::optional<Job> next = Next();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->path, "s/a/playlist.m3u8");
  EXPECT_EQ(Text(*next), "v5");
  EXPECT_EQ(Paths(All()), (std::vector<std::string>{"s/a/part6.m4s"}));
}

// One connection, a new part and playlist version after every request: the old queue put the
// playlist back behind the new part every time and never sent it.
TEST_F(PushQueueTest, PlaylistCannotStarveUnderBacklog) {
  int playlists = 0;
  Put("s/a/part0.m4s");
  Put("s/a/playlist.m3u8", "v0");
  for (int i = 1; i <= 40; ++i) {
    std::optional<Job> job = Next();
    ASSERT_TRUE(job);
    playlists += job->playlist;
    Put(Numbered("s/a/part", i) + ".m4s");
    Put("s/a/playlist.m3u8", Numbered("v", i));
    Done(*job);
  }
  EXPECT_GE(playlists, 19);  // every other request
}

TEST_F(PushQueueTest, RemovalWaitsForThePlaylistThatNoLongerListsIt) {
  Put("s/a/seg1.m4s");
  Put("s/a/playlist.m3u8", "seg0 seg1");
  Put("s/a/seg2.m4s");
  Put("s/a/playlist.m3u8", "seg1 seg2");
  Remove("s/a/seg0.m4s");
  std::vector<Job> objects = All();
  EXPECT_EQ(Paths(objects), (std::vector<std::string>{"s/a/seg1.m4s", "s/a/seg2.m4s"}));
  Done(objects[0]);
  std::optional<Job> playlist = Next();  // "seg0 seg1" is ready, the newer one is not
  ASSERT_TRUE(playlist);
  EXPECT_EQ(Text(*playlist), "seg0 seg1");
  Done(objects[1]);
  EXPECT_FALSE(Next()) << "one request per path at a time; the removal waits for the playlist";
  Done(*playlist);
  playlist = Next();
  ASSERT_TRUE(playlist);
  EXPECT_EQ(Text(*playlist), "seg1 seg2");
  EXPECT_FALSE(Next()) << "still listed on the target until this playlist is there";
  Done(*playlist);
  EXPECT_EQ(Paths(All()), (std::vector<std::string>{"DELETE s/a/seg0.m4s"}));
}

TEST_F(PushQueueTest, MasterWaitsForTheRenditionsFirstPlaylists) {
  Put("s/a/init1.mp4");
  Put("s/a/playlist.m3u8");
  Put("s/b/init1.mp4");
  Put("s/b/playlist.m3u8");
  Put("s/master.m3u8");
  std::vector<Job> inits = All();
  EXPECT_EQ(Paths(inits), (std::vector<std::string>{"s/a/init1.mp4", "s/b/init1.mp4"}));
  Done(inits[0]);
  Done(inits[1]);
  std::vector<Job> playlists = All();
  EXPECT_EQ(Paths(playlists), (std::vector<std::string>{"s/a/playlist.m3u8", "s/b/playlist.m3u8"}));
  Done(playlists[0]);
  EXPECT_FALSE(Next());
  Done(playlists[1]);
  EXPECT_EQ(Paths(All()), (std::vector<std::string>{"s/master.m3u8"}));
}

// The target was down when the renditions started: their first playlists and the master were
// given up. Once it answers, the master (sent again) still waits for a rendition playlist to be
// there, though the versions queued before it are long gone.
TEST_F(PushQueueTest, MasterWaitsForARenditionPlaylistAfterAnOutage) {
  Put("s/a/playlist.m3u8", "a1");
  Put("s/master.m3u8");
  for (const Job& j : All())
    Done(j, false);
  for (const Job& j : All())
    Done(j, false);
  EXPECT_EQ(queue_.GetStats(now_).held, 2u);
  Put("s/a/part1.m4s");
  Put("s/a/playlist.m3u8", "a2");
  std::vector<Job> part = All();
  ASSERT_EQ(Paths(part), (std::vector<std::string>{"s/a/part1.m4s"}));
  Done(part[0]);  // the target answers: the master is sent again, after a's playlist
  std::vector<Job> playlist = All();
  ASSERT_EQ(Paths(playlist), (std::vector<std::string>{"s/a/playlist.m3u8"}));
  EXPECT_EQ(Text(playlist[0]), "a2");
  Done(playlist[0]);
  EXPECT_EQ(Paths(All()), (std::vector<std::string>{"s/master.m3u8"}));
}

TEST_F(PushQueueTest, OneRequestPerPathAtATimeInOrder) {
  Put("s/a/init1.mp4", "first");
  std::optional<Job> first = Next();
  Put("s/a/init1.mp4", "second");
  EXPECT_FALSE(Next());
  Done(*first);
  std::optional<Job> second = Next();
  ASSERT_TRUE(second);
  EXPECT_EQ(Text(*second), "second");
}

TEST_F(PushQueueTest, LagCountsFromThePlaylistsOldestUnsentVersion) {
  queue_ = PushQueue({.retries = 3, .first_backoff = 100ms});
  const auto start = now_;
  Put("s/a/playlist.m3u8", "v1");
  std::optional<Job> v1 = Next();
  now_ += 50ms;
  Done(*v1, false);  // to be tried again
  for (int i = 2; i <= 5; ++i) {
    now_ += 300ms;
    Put("s/a/playlist.m3u8", Numbered("v", i));
    EXPECT_NEAR(queue_.GetStats(now_).lag_s, std::chrono::duration<double>(now_ - start).count(),
                1e-6)
        << "a new version does not make the playlist younger";
  }
  std::optional<Job> v5 = Next();
  ASSERT_TRUE(v5);
  EXPECT_EQ(Text(*v5), "v5");
  EXPECT_NEAR(queue_.GetStats(now_).lag_s, 1.25, 1e-6) << "in flight, standing for v1";
  Done(*v5);
  EXPECT_EQ(queue_.GetStats(now_).lag_s, 0);
  EXPECT_EQ(queue_.GetStats(now_).queued, 0u);
}

TEST_F(PushQueueTest, FailedRequestIsTriedAgainAfterABackoffThenGivenUp) {
  queue_ = PushQueue({.retries = 2, .first_backoff = 100ms});
  Put("s/a/seg1.m4s");
  std::optional<Job> job = Next();
  Done(*job, false);
  EXPECT_FALSE(Next());
  EXPECT_EQ(queue_.NextDue(now_), now_ + 100ms);
  now_ += 100ms;
  job = Next();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->attempt, 2);
  Done(*job, false);
  now_ += 150ms;
  EXPECT_FALSE(Next()) << "the second backoff is 200 ms";
  now_ += 50ms;
  job = Next();
  ASSERT_TRUE(job);
  PushQueue::Outcome out = Done(*job, false);
  EXPECT_TRUE(out.gave_up);
  EXPECT_TRUE(out.held);
  EXPECT_EQ(queue_.GetStats(now_).failed, 1u);
}

// The target is down: the init, a part and the playlist are given up. Once a later request
// succeeds, the init and the part (still in the output) go again, before the next playlist.
TEST_F(PushQueueTest, GivenUpObjectsGoAgainBeforeTheNextPlaylistOnceTheTargetAnswers) {
  Put("s/a/init1.mp4");
  Put("s/a/part1.m4s");
  Put("s/a/part2.m4s");
  Put("s/a/playlist.m3u8", "init1 part1 part2");
  for (const Job& j : All())
    EXPECT_TRUE(Done(j, false).held) << j.path;
  for (const Job& j : All())  // the playlist, once its objects were given up
    EXPECT_TRUE(Done(j, false).held) << j.path;
  EXPECT_EQ(queue_.GetStats(now_).held, 4u);
  Remove("s/a/part1.m4s");  // left the output meanwhile: not worth sending again
  EXPECT_EQ(queue_.GetStats(now_).held, 3u);
  std::vector<Job> removal = All();
  EXPECT_EQ(Paths(removal), (std::vector<std::string>{"DELETE s/a/part1.m4s"}));
  Done(removal[0], false);  // still down: nothing held comes back
  Put("s/a/part3.m4s");
  Put("s/a/playlist.m3u8", "init1 part2 part3");
  std::vector<Job> part3 = All();
  EXPECT_EQ(Paths(part3), (std::vector<std::string>{"s/a/part3.m4s"}));
  Done(part3[0]);  // the target answers again
  std::vector<Job> again = All();
  EXPECT_EQ(Paths(again), (std::vector<std::string>{"s/a/init1.mp4", "s/a/part2.m4s"}))
      << "the held playlist is not sent: a newer one waits";
  EXPECT_TRUE(again[0].resend);
  Done(again[0]);
  Done(again[1]);
  std::vector<Job> playlist = All();
  ASSERT_EQ(Paths(playlist), (std::vector<std::string>{"s/a/playlist.m3u8"}));
  EXPECT_EQ(Text(playlist[0]), "init1 part2 part3");
  Done(playlist[0]);
  const PushQueue::Stats stats = queue_.GetStats(now_);
  EXPECT_EQ(stats.resent, 2u);
  EXPECT_EQ(stats.held, 0u);
  EXPECT_EQ(stats.queued, 0u);
}

// part2 is sent again while an older version of the playlist waits: that version does not go
// first (it may list objects gone meanwhile); once part2 is there, the newest one goes.
TEST_F(PushQueueTest, HeldObjectSentAgainHoldsBackEveryWaitingVersion) {
  Put("s/a/part1.m4s");
  std::optional<Job> part1 = Next();
  Put("s/a/playlist.m3u8", "part1");
  Put("s/a/part2.m4s");
  std::optional<Job> part2 = Next();
  Put("s/a/playlist.m3u8", "part1 part2");
  EXPECT_TRUE(Done(*part2, false).held);
  Done(*part1);  // the target answers: part2 goes again, before any playlist
  std::vector<Job> again = All();
  ASSERT_EQ(Paths(again), (std::vector<std::string>{"s/a/part2.m4s"}));
  EXPECT_TRUE(again[0].resend);
  Done(again[0]);
  std::vector<Job> playlist = All();
  ASSERT_EQ(Paths(playlist), (std::vector<std::string>{"s/a/playlist.m3u8"}));
  EXPECT_EQ(Text(playlist[0]), "part1 part2");
}

// part1 never reached the target and has left the output: the waiting versions that list it are
// skipped, though their objects are done; the one queued before its removal goes.
TEST_F(PushQueueTest, VersionsListingALostRemovedObjectAreSkipped) {
  Put("s/a/part1.m4s");
  Put("s/a/playlist.m3u8", "part1");
  Put("s/a/part2.m4s");
  Put("s/a/playlist.m3u8", "part1 part2");
  std::vector<Job> parts = All();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(Done(parts[0], false).held);
  Put("s/a/playlist.m3u8", "part2");
  Remove("s/a/part1.m4s");
  EXPECT_FALSE(Next()) << "\"part1\" would be ready, but lists what will never be there";
  Done(parts[1]);
  std::vector<Job> playlist = All();
  ASSERT_EQ(Paths(playlist), (std::vector<std::string>{"s/a/playlist.m3u8"}));
  EXPECT_EQ(Text(playlist[0]), "part2");
  Done(playlist[0]);
  EXPECT_EQ(Paths(All()), (std::vector<std::string>{"DELETE s/a/part1.m4s"}));
}

TEST_F(PushQueueTest, FailedResendWaitsForItsRoundAndAnotherSuccess) {
  Put("s/a/seg1.m4s");
  Done(*Next(), false);
  Put("s/a/seg2.m4s");
  Done(*Next());  // success: seg1 goes again
  std::optional<Job> again = Next();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->resend);
  Done(*again, false);  // and fails: round 1 is 1 s later
  Put("s/a/seg3.m4s");
  Done(*Next());
  EXPECT_FALSE(Next()) << "a success, but the round is not due";
  now_ += 1s;
  Put("s/a/seg4.m4s");
  std::vector<Job> seg4 = All();
  EXPECT_EQ(Paths(seg4), (std::vector<std::string>{"s/a/seg4.m4s"}))
      << "due, but no success since it failed";
  Done(seg4[0]);
  again = Next();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->path, "s/a/seg1.m4s");
  Done(*again, false);
  // With nothing else to send, the held object itself probes the target when its round is due.
  EXPECT_FALSE(Next());
  EXPECT_EQ(queue_.NextDue(now_), now_ + 2s);
  now_ += 2s;
  again = Next();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->path, "s/a/seg1.m4s");
}

TEST_F(PushQueueTest, HeldBytesAreBoundedButInitsStay) {
  queue_ = PushQueue({.retries = 0, .max_held_bytes = 100});
  Put("s/a/init1.mp4", std::string(60, 'i'));
  Put("s/a/seg1.m4s", std::string(30, 'a'));
  Put("s/a/seg2.m4s", std::string(30, 'b'));
  std::vector<Job> jobs = All();
  EXPECT_EQ(Done(jobs[0], false).evicted, 0u);
  EXPECT_EQ(Done(jobs[1], false).evicted, 0u);
  EXPECT_EQ(Done(jobs[2], false).evicted, 1u);  // seg1, the oldest media object
  EXPECT_EQ(queue_.GetStats(now_).held, 2u);
  Put("s/a/seg3.m4s");
  Done(*Next());
  EXPECT_EQ(Paths(All()), (std::vector<std::string>{"s/a/init1.mp4", "s/a/seg2.m4s"}));
}

TEST_F(PushQueueTest, FullQueueDropsTheOldestWaitingObject) {
  queue_ = PushQueue({.max_queue = 3});
  Put("s/a/part1.m4s");
  std::optional<Job> in_flight = Next();
  Put("s/a/part2.m4s");
  Put("s/a/part3.m4s");
  EXPECT_EQ(queue_.Add("s/a/part4.m4s", Body("x"), now_), "s/a/part2.m4s");
  EXPECT_EQ(queue_.GetStats(now_).dropped, 1u);
}

}  // namespace
}  // namespace strait::transport::hls
