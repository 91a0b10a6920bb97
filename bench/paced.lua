-- Below saturation (docs/PERFORMANCE.md "p99 added latency"): each
-- connection waits 5 ms after an answer before its next request, so 16
-- connections offer about 2,700 requests a second whatever serves them,
-- and the latency measured is service time, not queueing behind a
-- saturated machine.
function delay()
	return 5
end
