#!/usr/bin/python3
"""Self-test of amnesiafs's power-cut semantics (see its header), so that the power-cut test can never be
running on a plain pass-through without noticing. Each case mounts a fresh amnesiafs over a backing
directory prepared with durable files, does a few system calls through the mount, cuts the power (or
only freezes, the control experiment), unmounts, and checks the backing directory.

Run as root, with the python that has Debian's fusepy: /usr/bin/python3 -m unittest -v interop/powercut/test_amnesiafs.py  (interop/powercut.sh runs it first)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FS = os.path.join(HERE, 'amnesiafs.py')


def write(path, data, sync=False, mode='wb'):
    with open(path, mode) as f:
        f.write(data)
        f.flush()
        if sync:
            os.fsync(f.fileno())


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)  # reaches amnesiafs as fsyncdir
    finally:
        os.close(fd)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


class Mounted:
    def __init__(self, backing, tmp):
        self.backing = backing
        self.mnt = os.path.join(tmp, 'mnt')
        self.sock = os.path.join(tmp, 'ctl.sock')
        os.makedirs(self.mnt, exist_ok=True)
        self.log = open(os.path.join(tmp, 'fs.log'), 'ab')
        self.proc = subprocess.Popen([sys.executable, FS, 'mount', backing, self.mnt, '--control', self.sock,
                                      '--state', os.path.join(tmp, 'state')], stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError('amnesiafs did not mount; see ' + self.log.name)
            time.sleep(0.05)

    def ctl(self, cmd):
        out = subprocess.run([sys.executable, FS, 'ctl', self.sock, cmd], capture_output=True, text=True,
                             timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f'ctl {cmd}: {out.stdout} {out.stderr}')
        return out.stdout.strip()

    def unmount(self):
        subprocess.run(['fusermount', '-u', self.mnt], check=False, capture_output=True)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            subprocess.run(['fusermount', '-u', '-z', self.mnt], check=False)
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class AmnesiaFsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='amnesiafs-test.')
        self.b = os.path.join(self.tmp, 'backing')
        os.makedirs(os.path.join(self.b, 'old'))
        write(os.path.join(self.b, 'old', 'a.txt'), b'durable a')  # present at mount: durable
        write(os.path.join(self.b, 'keep.txt'), b'durable keep')
        try:
            self.fs = Mounted(self.b, self.tmp)
        except Exception:
            shutil.rmtree(self.tmp, ignore_errors=True)  # tearDown does not run when setUp fails
            raise
        self.m = self.fs.mnt

    def tearDown(self):
        if self.fs.proc.poll() is None:
            self.fs.unmount()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cut(self):
        reply = self.fs.ctl('cut')
        self.fs.unmount()
        return reply

    def B(self, *parts):
        return os.path.join(self.b, *parts)

    def M(self, *parts):
        return os.path.join(self.m, *parts)

    # ---- file data

    def test_unsynced_write_to_a_new_file_is_lost_its_durable_name_stays_empty(self):
        write(self.M('new.txt'), b'never synced')
        fsync_dir(self.m)
        self.cut()
        self.assertEqual(read(self.B('new.txt')), b'')

    def test_synced_write_is_kept(self):
        write(self.M('new.txt'), b'synced bytes', sync=True)
        fsync_dir(self.m)
        self.cut()
        self.assertEqual(read(self.B('new.txt')), b'synced bytes')

    def test_write_after_the_last_fsync_is_lost(self):
        with open(self.M('log'), 'wb') as f:
            f.write(b'first ')
            f.flush()
            os.fdatasync(f.fileno())
            f.write(b'second')
            f.flush()
        fsync_dir(self.m)
        self.cut()
        self.assertEqual(read(self.B('log')), b'first ')

    def test_overwrite_of_a_file_present_at_mount_without_fsync_reverts(self):
        write(self.M('keep.txt'), b'changed, not synced')
        self.cut()
        self.assertEqual(read(self.B('keep.txt')), b'durable keep')

    def test_truncate_without_fsync_reverts(self):
        os.truncate(self.M('keep.txt'), 3)
        self.cut()
        self.assertEqual(read(self.B('keep.txt')), b'durable keep')

    def test_append_mode_and_fsync(self):
        write(self.M('keep.txt'), b' + more', sync=True, mode='ab')
        write(self.M('keep.txt'), b' + lost', mode='ab')
        self.assertEqual(read(self.M('keep.txt')), b'durable keep + more + lost')
        self.cut()
        self.assertEqual(read(self.B('keep.txt')), b'durable keep + more')

    def test_big_file_synced_then_partly_overwritten(self):
        data = os.urandom(3 << 20)
        with open(self.M('big'), 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            f.seek(1 << 20)
            f.write(b'X' * 100)
        fsync_dir(self.m)
        self.cut()
        self.assertEqual(read(self.B('big')), data)

    # ---- directory entries

    def test_new_file_without_directory_fsync_is_gone_even_if_synced(self):
        write(self.M('old', 'n.txt'), b'synced', sync=True)
        self.cut()
        self.assertFalse(os.path.exists(self.B('old', 'n.txt')))
        self.assertEqual(read(self.B('old', 'a.txt')), b'durable a')

    def test_rename_without_directory_fsync_is_undone(self):
        os.rename(self.M('old', 'a.txt'), self.M('old', 'b.txt'))
        self.cut()
        self.assertEqual(read(self.B('old', 'a.txt')), b'durable a')
        self.assertFalse(os.path.exists(self.B('old', 'b.txt')))

    def test_rename_with_directory_fsync_is_kept(self):
        os.rename(self.M('old', 'a.txt'), self.M('old', 'b.txt'))
        fsync_dir(self.M('old'))
        self.cut()
        self.assertFalse(os.path.exists(self.B('old', 'a.txt')))
        self.assertEqual(read(self.B('old', 'b.txt')), b'durable a')

    def test_rename_across_directories_needs_both_fsynced(self):
        os.rename(self.M('old', 'a.txt'), self.M('moved.txt'))
        fsync_dir(self.m)  # the target's directory only: the name appears there, the source keeps it too
        self.cut()
        self.assertEqual(read(self.B('moved.txt')), b'durable a')
        self.assertEqual(read(self.B('old', 'a.txt')), b'durable a')
        self.assertEqual(os.stat(self.B('moved.txt')).st_ino, os.stat(self.B('old', 'a.txt')).st_ino)

    def test_atomic_replace_needs_the_directory_fsync(self):
        write(self.M('keep.tmp'), b'replacement', sync=True)
        os.rename(self.M('keep.tmp'), self.M('keep.txt'))
        self.cut()
        self.assertEqual(read(self.B('keep.txt')), b'durable keep')
        self.assertFalse(os.path.exists(self.B('keep.tmp')))

    def test_atomic_replace_with_fsyncs_is_kept(self):
        write(self.M('keep.tmp'), b'replacement', sync=True)
        os.rename(self.M('keep.tmp'), self.M('keep.txt'))
        fsync_dir(self.m)
        self.cut()
        self.assertEqual(read(self.B('keep.txt')), b'replacement')
        self.assertFalse(os.path.exists(self.B('keep.tmp')))

    def test_unlink_without_directory_fsync_is_undone(self):
        os.unlink(self.M('keep.txt'))
        self.cut()
        self.assertEqual(read(self.B('keep.txt')), b'durable keep')

    def test_unlink_with_directory_fsync_is_kept(self):
        os.unlink(self.M('keep.txt'))
        fsync_dir(self.m)
        self.cut()
        self.assertFalse(os.path.exists(self.B('keep.txt')))

    def test_mkdir_needs_the_parent_fsync_and_its_entries_its_own(self):
        os.mkdir(self.M('d1'))
        write(self.M('d1', 'f'), b'in d1', sync=True)
        fsync_dir(self.m)            # d1 durable, but not its entry f
        os.mkdir(self.M('d2'))       # d2 not durable at all
        self.cut()
        self.assertTrue(os.path.isdir(self.B('d1')))
        self.assertEqual(os.listdir(self.B('d1')), [])
        self.assertFalse(os.path.exists(self.B('d2')))

    def test_the_whole_chain_synced_is_kept(self):
        os.makedirs(self.M('x', 'y'))
        write(self.M('x', 'y', 'f'), b'deep', sync=True)
        fsync_dir(self.M('x', 'y'))
        fsync_dir(self.M('x'))
        fsync_dir(self.m)
        self.cut()
        self.assertEqual(read(self.B('x', 'y', 'f')), b'deep')

    def test_rmdir_without_parent_fsync_is_undone(self):
        os.unlink(self.M('old', 'a.txt'))
        fsync_dir(self.M('old'))
        os.rmdir(self.M('old'))
        self.cut()
        self.assertTrue(os.path.isdir(self.B('old')))
        self.assertEqual(os.listdir(self.B('old')), [])

    def test_hard_link(self):
        os.link(self.M('keep.txt'), self.M('old', 'hard.txt'))
        fsync_dir(self.M('old'))
        os.unlink(self.M('keep.txt'))  # not durable: both names come back, one file
        self.cut()
        self.assertEqual(os.stat(self.B('keep.txt')).st_ino, os.stat(self.B('old', 'hard.txt')).st_ino)

    def test_a_file_deleted_then_its_name_reused(self):
        os.unlink(self.M('keep.txt'))
        write(self.M('keep.txt'), b'second life', sync=True)
        self.cut()  # no directory fsync: the old file is what the directory durably names
        self.assertEqual(read(self.B('keep.txt')), b'durable keep')

    # ---- metadata a recovery may rely on

    def test_modification_times_show_through_and_survive_the_cut(self):
        os.utime(self.M('keep.txt'), ns=(1_600_000_000_123_000_000, 1_600_000_000_123_000_000))
        self.assertEqual(os.stat(self.M('keep.txt')).st_mtime_ns, 1_600_000_000_123_000_000)
        write(self.M('new.txt'), b'x', sync=True)
        fsync_dir(self.m)
        self.assertAlmostEqual(os.stat(self.M('new.txt')).st_mtime, time.time(), delta=60)
        self.cut()
        self.assertEqual(os.stat(self.B('keep.txt')).st_mtime_ns, 1_600_000_000_123_000_000)

    # ---- the control experiment, and the power being off

    def test_freeze_keeps_everything(self):
        write(self.M('new.txt'), b'never synced')
        os.rename(self.M('old', 'a.txt'), self.M('old', 'b.txt'))
        self.fs.ctl('freeze')
        self.fs.unmount()
        self.assertEqual(read(self.B('new.txt')), b'never synced')
        self.assertEqual(read(self.B('old', 'b.txt')), b'durable a')

    def test_after_the_cut_nothing_is_written(self):
        self.fs.ctl('cut')
        with self.assertRaises(OSError):
            write(self.M('after.txt'), b'no power')
        self.fs.unmount()
        self.assertFalse(os.path.exists(self.B('after.txt')))

    def test_the_cut_reports_what_it_dropped(self):
        write(self.M('new.txt'), b'never synced')
        reply = self.cut()
        self.assertIn('1 files lost unsynced data', reply)
        self.assertIn('1 names undone', reply)


if __name__ == '__main__':
    unittest.main()
