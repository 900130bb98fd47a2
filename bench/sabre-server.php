<?php
// The benchmark's sabre/dav server (bench/davit_bench.py copies it into its work dir and serves it through its
// own Apache + php-fpm, bench/httpd-sabre.conf.in and bench/php-fpm.conf.in): a plain-files WebDAV server as a
// user would set one up with Debian's php-sabre-dav (sabre/dav 1.8, the engine Nextcloud's WebDAV grew from):
// a Sabre\DAV\FS tree on a folder, the locks plugin with its file backend, no auth (as mod_dav_fs, nginx and
// rclone in the same run). The folder and the lock file come from the php-fpm pool's environment.
//
// One addition to the stock FS classes: sabre/dav 1.8's FS\File has no ETag (getETag() returns null), so a
// PROPFIND would answer getetag with 404 and GET would carry none, unlike every other server measured. Files
// here answer an ETag made from size and modification time (what mod_dav_fs, nginx and rclone do too; the
// FSExt classes instead hash every file's content on each PROPFIND, which no real deployment would do).
require_once 'Sabre/autoload.php';

class BenchFile extends Sabre\DAV\FS\File {
    public function getETag() {
        $st = stat($this->path);
        return $st === false ? null : sprintf('"%x-%x"', $st['size'], $st['mtime']);
    }
}

class BenchDirectory extends Sabre\DAV\FS\Directory {
    public function getChild($name) {
        $path = $this->path . '/' . $name;
        if (!file_exists($path)) {
            throw new Sabre\DAV\Exception\NotFound('File with name ' . $path . ' could not be located');
        }
        return is_dir($path) ? new BenchDirectory($path) : new BenchFile($path);
    }

    public function getChildren() {
        $nodes = array();
        foreach (scandir($this->path) as $node) {
            if ($node !== '.' && $node !== '..') {
                $nodes[] = $this->getChild($node);
            }
        }
        return $nodes;
    }
}

$data = getenv('BENCH_SABRE_DATA');
$locks = getenv('BENCH_SABRE_LOCKS');
if (!$data || !is_dir($data) || !$locks) {
    http_response_code(500);
    echo "BENCH_SABRE_DATA / BENCH_SABRE_LOCKS not set in the php-fpm pool\n";
    exit;
}
$server = new Sabre\DAV\Server(new BenchDirectory($data));
$server->setBaseUri('/dav/');
$server->addPlugin(new Sabre\DAV\Locks\Plugin(new Sabre\DAV\Locks\Backend\File($locks)));
$server->exec();
