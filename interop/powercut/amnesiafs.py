#!/usr/bin/python3
"""amnesiafs: a pass-through FUSE file system that forgets, on a simulated power cut, everything that was
not made durable the strict POSIX way. Davit's power-cut test (interop/powercut.sh) runs the server on it.

Why our own: kill -9 keeps the page cache, so it never shows a missing fsync. LazyFS (dsrhaslab/lazyfs,
"When Amnesia Strikes", VLDB 2024) shows them by keeping unsynced data in its own cache; this is the same
idea, small enough to read in one sitting, built on Debian's python3-fusepy (libfuse 2).

MODEL. Every operation is passed through at once to the BACKING directory, which therefore always holds
what a program would see in the page cache. Beside it the file system keeps the *durable image*, what a
disk would hold after a power cut:

  * Nodes. Each file, directory and symlink is a node with our own id (nid); a backing inode number maps
    to its node while the inode is alive (unmapped when its last name goes, so a reused inode number
    gets a new node). Everything in BACKING at mount time is durable as it is.
  * File content. The durable content of a file node is: for a file present at mount and not opened for
    writing since, its current bytes; otherwise its content as of its last fsync(2) or fdatasync(2) (both
    make data and size durable), kept in a shadow file in the STATE directory; for a file created after
    mount and never synced, empty. An fsync copies the ranges written (and truncated) since the previous
    one from the live file into the shadow: cost in proportion to what changed. Before a present-at-mount
    file is first modified or loses its last name, its bytes are copied to the shadow.
  * Directory entries. The durable entries of a directory node are a map name -> nid: for a directory
    present at mount and not changed since, its current entries; for one created after mount, none, until
    it is fsynced; otherwise the entries as of its last fsync (FUSE's fsyncdir: what fsync(2) of a
    directory fd does, and what Java's FileChannel.open(dir).force() does). create, mknod, mkdir, symlink,
    link, unlink, rmdir and rename change a directory's entries and are durable only after that fsync
    (for a rename: of both directories). fsync of a file does NOT make its name durable (ext4 often
    would; POSIX does not promise it, nor does LazyFS).
  * Symlinks keep their target. Modes and times are not modelled: a rebuilt file keeps the mode and
    modification time its inode had at the cut (when it still had a name then; else the time of the cut).

CUT. On the control command "cut" the file system stops: every later operation fails with EIO (the power
is off), and BACKING is rebuilt from the durable image: the tree is walked from the root along the
durable entries, each directory created, each file written with its durable content (one node reached by
several names is hard-linked). Unsynced data and undurable entry changes are gone; an entry removed
without a durable fsync of its directory is back, with its durable content. The program being tested
should be killed (kill -9) BEFORE the cut: then no operation can race it, and a cut at that instant is
the same as a power cut at the instant of the kill. Then unmount (fusermount -u MOUNT) and mount again.
The command "freeze" stops the file system the same way but keeps BACKING as it is (kill -9 alone: the
control experiment). "stats" answers counters. A cut is all-or-nothing per file: unsynced bytes are
never partly kept (LazyFS can also tear them; not modelled).

USE (as root; the server under test runs as root too, the mount is not allow_other):
  amnesiafs.py mount BACKING MOUNT --control SOCKET [--state DIR]   (foreground; the SOCKET appears when
                                                                    the mount is ready)
  amnesiafs.py ctl SOCKET cut|freeze|stats
Not modelled: xattrs, mknod of devices, file locks (flock/fcntl go to the kernel only), mmap of writable
shared files beyond what the kernel turns into writes. Operations are serialised by one lock (reads are
not): correct first; a few hundred small server writes a second is enough here.
"""

import argparse
import errno
import os
import shutil
import socket
import stat
import sys
import threading

try:
    from fusepy import FUSE, FuseOSError, Operations  # Debian's python3-fusepy
except ImportError:  # pip's fusepy
    from fuse import FUSE, FuseOSError, Operations


class Node:
    """A file, directory or symlink of the durable image (see the header)."""
    __slots__ = ('nid', 'kind', 'new', 'shadow', 'dirty', 'trunc', 'durable', 'target', 'mode')

    def __init__(self, nid, kind, new, mode):
        self.nid = nid
        self.kind = kind          # 'f', 'd' or 'l'
        self.new = new            # created after mount: durable content/entries start empty
        self.shadow = False       # file: a shadow copy holds the durable content
        self.dirty = []           # file: [start, end) ranges written since the last fsync
        self.trunc = None         # file: smallest length truncated to since the last fsync
        self.durable = {} if (new and kind == 'd') else None  # dir: durable name -> Node; None = as now
        self.target = None        # symlink: its target
        self.mode = mode


def kind_of(mode):
    if stat.S_ISDIR(mode):
        return 'd'
    if stat.S_ISLNK(mode):
        return 'l'
    return 'f'


class AmnesiaFS(Operations):
    use_ns = True

    def __init__(self, backing, state, control):
        self.root = os.path.realpath(backing)
        self.state = state
        self.control = control
        self._mu = threading.RLock()
        self.frozen = False
        self.next_nid = 0
        self.by_ino = {}     # backing st_ino -> Node, for inodes alive in BACKING
        self.by_fh = {}      # open file handle -> Node
        self.counts = {'write': 0, 'fsync': 0, 'fsyncdir': 0, 'rename': 0, 'create': 0, 'unlink': 0}
        shutil.rmtree(state, ignore_errors=True)
        os.makedirs(state)
        st = os.lstat(self.root)
        self.root_node = self._node(st.st_ino, st.st_mode)

    # ------------------------------------------------------------------ bookkeeping

    def _p(self, path):
        return self.root + path if path != '/' else self.root

    def _node(self, ino, mode, new=False):
        """The node of a live backing inode; one present at mount is met here first."""
        n = self.by_ino.get(ino)
        if n is None:
            n = Node(self.next_nid, kind_of(mode), new, stat.S_IMODE(mode))
            self.next_nid += 1
            self.by_ino[ino] = n
        return n

    def _node_at(self, path):
        st = os.lstat(self._p(path))
        return self._node(st.st_ino, st.st_mode), st

    def _new_node_at(self, path):
        """Maps a just-created inode to a fresh node (forgetting any dead node that had its number)."""
        st = os.lstat(self._p(path))
        self.by_ino.pop(st.st_ino, None)
        n = self._node(st.st_ino, st.st_mode, new=True)
        if n.kind == 'l':
            n.target = os.readlink(self._p(path))
        return n

    def _listing(self, real):
        out = {}
        with os.scandir(real) as it:
            for e in it:
                st = e.stat(follow_symlinks=False)
                out[e.name] = self._node(st.st_ino, st.st_mode)
        return out

    def _shadow(self, n):
        return os.path.join(self.state, str(n.nid))

    def _touch_dir(self, path):
        """Called before a directory's entries change: remembers its durable entries if still 'as now'."""
        n, _ = self._node_at(path)
        if n.durable is None:
            n.durable = self._listing(self._p(path))
        return n

    def _touch_file(self, n, real):
        """Called before a present-at-mount file is changed or loses its last name: keep its bytes."""
        if n.kind == 'f' and not n.new and not n.shadow:
            shutil.copyfile(real, self._shadow(n), follow_symlinks=False)
            n.shadow = True

    def _before_kill(self, path):
        """The entry at path is about to go (unlink, rmdir, rename over it): keep what a cut brings back."""
        try:
            n, st = self._node_at(path)
        except FileNotFoundError:
            return None
        if n.kind == 'd':
            self._touch_dir(path)
        elif n.kind == 'l':
            if n.target is None:
                n.target = os.readlink(self._p(path))
        elif st.st_nlink <= 1:
            self._touch_file(n, self._p(path))
        n.mode = stat.S_IMODE(st.st_mode)
        return st if (n.kind == 'd' or st.st_nlink <= 1) else None

    def _after_kill(self, st):
        if st is not None:
            self.by_ino.pop(st.st_ino, None)

    @staticmethod
    def _parent(path):
        return os.path.dirname(path) or '/'

    def _mark(self, n, start, end):
        d = n.dirty
        if d and d[-1][1] == start:  # appends and sequential writes coalesce
            d[-1][1] = end
        else:
            d.append([start, end])

    # ------------------------------------------------------------------ dispatch

    READ_ONLY = frozenset(('getattr', 'readdir', 'read', 'readlink', 'statfs', 'access', 'opendir',
                           'releasedir', 'flush', 'init', 'destroy', 'getxattr', 'listxattr'))

    def __call__(self, op, *args):
        if self.frozen and op not in ('destroy', 'release', 'releasedir'):
            raise FuseOSError(errno.EIO)
        if not hasattr(self, op):
            raise FuseOSError(errno.EFAULT)
        if op in self.READ_ONLY:
            return getattr(self, op)(*args)
        with self._mu:
            if self.frozen and op not in ('release', 'releasedir'):
                raise FuseOSError(errno.EIO)
            return getattr(self, op)(*args)

    # ------------------------------------------------------------------ reads

    def init(self, path):
        threading.Thread(target=self._serve_control, name='amnesia-control', daemon=True).start()

    def getattr(self, path, fh=None):
        st = os.fstat(fh) if fh is not None else os.lstat(self._p(path))
        a = {k: getattr(st, k) for k in ('st_mode', 'st_ino', 'st_nlink', 'st_uid', 'st_gid', 'st_size', 'st_blocks')}
        # use_ns: fusepy reads times as integer nanoseconds (float seconds would land in 1970, and a
        # recovery that looks at mtimes, as Davit's does, would be misled)
        a.update(st_atime=st.st_atime_ns, st_mtime=st.st_mtime_ns, st_ctime=st.st_ctime_ns)
        return a

    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self._p(path))

    def readlink(self, path):
        return os.readlink(self._p(path))

    def access(self, path, amode):
        if not os.access(self._p(path), amode, follow_symlinks=False):
            raise FuseOSError(errno.EACCES)

    def statfs(self, path):
        sv = os.statvfs(self._p(path))
        return {k: getattr(sv, k) for k in ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail',
                                             'f_ffree', 'f_files', 'f_flag', 'f_frsize', 'f_namemax')}

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def flush(self, path, fh):
        return 0  # close(2) is not a sync

    # ------------------------------------------------------------------ files

    def open(self, path, flags):
        real = self._p(path)
        n, _ = self._node_at(path)
        acc = flags & os.O_ACCMODE
        if acc != os.O_RDONLY:
            self._touch_file(n, real)
            # root may read any file: a writable handle is also readable, so fsync can copy from it
            flags = (flags & ~os.O_ACCMODE) | os.O_RDWR
        if flags & os.O_TRUNC:
            n.trunc = 0 if n.trunc is None else min(n.trunc, 0)
        # O_APPEND off: the kernel sends each write with its offset (the end of the file), and Linux's
        # pwrite would append whatever offset it is given on an O_APPEND descriptor
        fh = os.open(real, flags & ~(os.O_CREAT | os.O_APPEND))
        self.by_fh[fh] = n
        return fh

    def create(self, path, mode, fi=None):
        self._touch_dir(self._parent(path))
        real = self._p(path)
        try:
            fh = os.open(real, os.O_RDWR | os.O_CREAT | os.O_EXCL, mode)
            n = self._new_node_at(path)
        except FileExistsError:  # the kernel saw no entry; someone raced it: open what is there
            fh = os.open(real, os.O_RDWR)
            n, _ = self._node_at(path)
            self._touch_file(n, real)
        self.by_fh[fh] = n
        self.counts['create'] += 1
        return fh

    def write(self, path, data, offset, fh):
        n = self.by_fh[fh]
        written = os.pwrite(fh, data, offset)
        self._mark(n, offset, offset + written)
        self.counts['write'] += 1
        return written

    def truncate(self, path, length, fh=None):
        if fh is not None and fh in self.by_fh:
            n = self.by_fh[fh]
            os.ftruncate(fh, length)
        else:
            real = self._p(path)
            n, _ = self._node_at(path)
            self._touch_file(n, real)
            os.truncate(real, length)
        n.trunc = length if n.trunc is None else min(n.trunc, length)

    def fsync(self, path, datasync, fh):
        n = self.by_fh.get(fh)
        self.counts['fsync'] += 1
        if n is None or n.kind != 'f' or (not n.new and not n.shadow):
            return 0  # nothing changed since mount
        sp = self._shadow(n)
        size = os.fstat(fh).st_size
        sfd = os.open(sp, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if n.trunc is not None and n.trunc < os.fstat(sfd).st_size:
                os.ftruncate(sfd, n.trunc)
            for start, end in n.dirty:
                pos, end = start, min(end, size)
                while pos < end:
                    chunk = os.pread(fh, min(end - pos, 1 << 20), pos)
                    if not chunk:
                        break
                    os.pwrite(sfd, chunk, pos)
                    pos += len(chunk)
            os.ftruncate(sfd, size)
        finally:
            os.close(sfd)
        n.shadow = True
        n.dirty = []
        n.trunc = None
        return 0

    def release(self, path, fh):
        self.by_fh.pop(fh, None)
        os.close(fh)

    def chmod(self, path, mode):
        os.chmod(self._p(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._p(path), uid, gid, follow_symlinks=False)

    def utimens(self, path, times=None):
        os.utime(self._p(path), ns=times, follow_symlinks=False) if times else os.utime(self._p(path))

    # ------------------------------------------------------------------ directory entries

    def fsyncdir(self, path, datasync, fh):
        self.counts['fsyncdir'] += 1
        n, _ = self._node_at(path)
        n.durable = self._listing(self._p(path))
        return 0

    def mkdir(self, path, mode):
        self._touch_dir(self._parent(path))
        os.mkdir(self._p(path), mode)
        self._new_node_at(path)

    def symlink(self, target, source):
        self._touch_dir(self._parent(target))
        os.symlink(source, self._p(target))
        self._new_node_at(target)

    def link(self, target, source):
        self._touch_dir(self._parent(target))
        os.link(self._p(source), self._p(target))

    def mknod(self, path, mode, dev):
        if not stat.S_ISREG(mode) and not stat.S_ISFIFO(mode):
            raise FuseOSError(errno.EPERM)
        self._touch_dir(self._parent(path))
        os.mknod(self._p(path), mode, dev)
        self._new_node_at(path)

    def unlink(self, path):
        self._touch_dir(self._parent(path))
        st = self._before_kill(path)
        os.unlink(self._p(path))
        self._after_kill(st)
        self.counts['unlink'] += 1

    def rmdir(self, path):
        self._touch_dir(self._parent(path))
        st = self._before_kill(path)
        os.rmdir(self._p(path))
        self._after_kill(st)

    def rename(self, old, new):
        self._touch_dir(self._parent(old))
        self._touch_dir(self._parent(new))
        moving, _ = self._node_at(old)
        st = None
        if os.path.lexists(self._p(new)):
            target, _ = self._node_at(new)
            if target is not moving:
                st = self._before_kill(new)
        os.rename(self._p(old), self._p(new))
        self._after_kill(st)
        self.counts['rename'] += 1

    # ------------------------------------------------------------------ the cut

    def cut(self, drop):
        """Stops the file system; with drop, rebuilds BACKING from the durable image. Returns a report."""
        with self._mu:
            self.frozen = True
            if not drop:
                return 'frozen: backing kept as it is (no data dropped)'
            live = {}        # nid -> a live backing path
            live_paths = set()
            lost_data = 0
            for dirpath, dirnames, filenames in os.walk(self.root):
                for name in dirnames + filenames:
                    p = os.path.join(dirpath, name)
                    st = os.lstat(p)
                    n = self.by_ino.get(st.st_ino)
                    if n is None:
                        n = self._node(st.st_ino, st.st_mode)
                    live.setdefault(n.nid, p)
                    live_paths.add(os.path.relpath(p, self.root))
                    if n.kind == 'f' and (n.dirty or n.trunc is not None):
                        lost_data += 1
            stage = self.root.rstrip('/') + '.amnesia-rebuild'
            shutil.rmtree(stage, ignore_errors=True)
            os.mkdir(stage)
            made = {}        # nid -> path in stage (hard links)
            seen_dirs = set()
            kept_paths = set()

            def build(dnode, dreal, dst):
                entries = dnode.durable if dnode.durable is not None else self._listing(dreal)
                for name, c in sorted(entries.items()):
                    p = os.path.join(dst, name)
                    kept_paths.add(os.path.relpath(p, stage))
                    if c.kind == 'd':
                        if c.nid in seen_dirs:
                            continue  # a cycle through undone renames: a real fsck would cut it too
                        seen_dirs.add(c.nid)
                        os.mkdir(p, 0o755)
                        build(c, live.get(c.nid), p)
                        os.chmod(p, c.mode or 0o755)
                    elif c.kind == 'l':
                        os.symlink(c.target if c.target is not None else os.readlink(live[c.nid]), p)
                    elif c.nid in made:
                        os.link(made[c.nid], p)
                    else:
                        if c.shadow:
                            shutil.copyfile(self._shadow(c), p)
                        elif c.new:
                            open(p, 'wb').close()
                        else:
                            shutil.copyfile(live[c.nid], p)  # present at mount and unchanged
                        os.chmod(p, c.mode if c.mode is not None else 0o644)
                        if c.nid in live:  # keep the file's modification time (its inode's, not the cut's)
                            st = os.lstat(live[c.nid])
                            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
                        made[c.nid] = p

            seen_dirs.add(self.root_node.nid)
            build(self.root_node, self.root, stage)
            for name in os.listdir(self.root):
                p = os.path.join(self.root, name)
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p)
                else:
                    os.unlink(p)
            for name in os.listdir(stage):
                os.rename(os.path.join(stage, name), os.path.join(self.root, name))
            os.rmdir(stage)
            gone = len(live_paths - kept_paths)
            back = len(kept_paths - live_paths)
            return (f'cut: {lost_data} files lost unsynced data, {gone} names undone (created or renamed '
                    f'without a durable directory fsync), {back} names back (removed without one)')

    def stats(self):
        return ' '.join(f'{k}={v}' for k, v in sorted(self.counts.items()))

    def _serve_control(self):
        try:
            os.unlink(self.control)
        except FileNotFoundError:
            pass
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(self.control + '.tmp')
        srv.listen(4)
        os.rename(self.control + '.tmp', self.control)  # appears once listening: the mount is ready
        while True:
            conn, _ = srv.accept()
            with conn:
                cmd = conn.recv(64).decode().strip()
                try:
                    if cmd == 'cut':
                        reply = self.cut(drop=True)
                    elif cmd == 'freeze':
                        reply = self.cut(drop=False)
                    elif cmd == 'stats':
                        reply = self.stats()
                    else:
                        reply = 'error: unknown command ' + cmd
                except Exception as e:  # report, do not die: the harness must learn of it
                    reply = f'error: {type(e).__name__}: {e}'
                print(f'amnesiafs: {cmd}: {reply}; {self.stats()}', file=sys.stderr, flush=True)
                conn.sendall((reply + '\n').encode())


def ctl(sock_path, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(300)
    s.connect(sock_path)
    s.sendall(cmd.encode())
    out = b''
    while not out.endswith(b'\n'):
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    reply = out.decode().strip()
    print(reply)
    return 1 if reply.startswith('error') or not reply else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    m = sub.add_parser('mount')
    m.add_argument('backing')
    m.add_argument('mountpoint')
    m.add_argument('--control', required=True, help='Unix socket for cut|freeze|stats')
    m.add_argument('--state', help='shadow copies (default: BACKING.amnesia-state)')
    c = sub.add_parser('ctl')
    c.add_argument('socket')
    c.add_argument('command', choices=['cut', 'freeze', 'stats'])
    a = ap.parse_args()
    if a.cmd == 'ctl':
        sys.exit(ctl(a.socket, a.command))
    state = a.state or os.path.realpath(a.backing).rstrip('/') + '.amnesia-state'
    fs = AmnesiaFS(a.backing, state, a.control)
    # libfuse 2: writes up to 128 KiB per request; hard_remove: unlink really unlinks (no .fuse_hidden
    # files whose names would then need modelling); use_ino: backing inode numbers show through.
    FUSE(fs, a.mountpoint, foreground=True, nothreads=False, big_writes=True, max_write=131072,
         hard_remove=True, use_ino=True, fsname='amnesiafs', subtype='amnesiafs')
    try:
        os.unlink(a.control)
    except FileNotFoundError:
        pass


if __name__ == '__main__':
    main()
