#!/usr/bin/perl
# stall-client.pl OUT CMD...: runs CMD (a download to stdout) into a 4 KiB
# pipe, keeps its first 1 KiB in OUT, then reads nothing more and sleeps:
# a client that stalls mid-download however fast or loaded the machine
# (the drain checks of test-nspawn.sh and test-image.sh).
use strict;
use Fcntl;
pipe(my $r, my $w) or die "pipe: $!";
fcntl($w, 1031, 4096) or die "F_SETPIPE_SZ: $!"; # 1031: F_SETPIPE_SZ
my $out = shift @ARGV;
my $pid = fork() // die "fork: $!";
if ($pid == 0) {
	close $r;
	open(STDOUT, ">&", $w) or die "stdout: $!";
	exec(@ARGV) or die "exec: $!";
}
close $w;
my $got = "";
while (length($got) < 1024) {
	sysread($r, $got, 1024 - length($got), length($got)) or last;
}
open(my $fh, ">", $out) or die "$out: $!";
print $fh $got;
close $fh;
sleep 600;
