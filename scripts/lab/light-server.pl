#!/usr/bin/perl
# The lab's light instance: answers like code-server's /healthz on :8080, and
# /bytes/N with N zero bytes (for tunnel throughput), nothing else. One
# process forking per connection, so a stalled client cannot block probes.
use strict;
use warnings;
use IO::Socket::INET;
use POSIX ();

# As PID 1 a signal without a handler is ignored: without this, every stop
# would wait out Docker's 10 s grace period.
$SIG{TERM} = $SIG{INT} = sub { exit 0 };
$SIG{CHLD} = 'IGNORE';
$SIG{PIPE} = 'IGNORE';
my $server = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => 8080, Listen => 512, ReuseAddr => 1)
  or die "light-server: cannot listen on 8080: $!\n";
while (1) {
  my $client = $server->accept or next;
  my $pid = fork;
  if (!defined $pid) { close $client; next; }
  if ($pid) { close $client; next; }
  close $server;
  alarm 10;
  my $line = <$client> // '';
  while (defined(my $h = <$client>)) { last if $h =~ /^\r?\n$/; }
  if ($line =~ m{^GET /bytes/(\d+) }) {
    my $n = $1;
    print $client "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: $n\r\nConnection: close\r\n\r\n";
    alarm 0;
    my $chunk = "\0" x 65536;
    while ($n > 0) {
      my $part = $n < 65536 ? substr($chunk, 0, $n) : $chunk;
      print $client $part or last;
      $n -= length $part;
    }
  } else {
    my $body = '{"status":"alive","lastHeartbeat":0}';
    print $client "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
  }
  close $client;
  POSIX::_exit(0);
}
