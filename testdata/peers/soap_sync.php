<?php
// Peer P4b of .ci/perf.sh: a sequential syncMultipleLeads client written the
// way Marketo's PHP sample (reference/seed-syncMultipleLeads.txt) does it —
// SoapClient in WSDL mode, an AuthenticationHeader signed per call with
// HMAC-SHA1(timestamp . userId), 300 leads a call, one call at a time — fed
// the same ten columns per lead as the perf workbook. It prints the leads
// and calls it managed and their rate.
//
//   php testdata/peers/soap_sync.php ENDPOINT USER_ID KEY BATCHES
$endpoint = $argv[1];
$userId = $argv[2];
$secretKey = $argv[3];
$batches = (int)$argv[4];
$ns = "http://www.marketo.com/mktows/";

ini_set("default_socket_timeout", 120);
$client = new SoapClient($endpoint . "?WSDL", array(
    "location" => $endpoint, "connection_timeout" => 15, "cache_wsdl" => WSDL_CACHE_NONE));

$fields = array("FirstName" => "Anna", "LastName" => "Schmidt", "Company" => "Acme Logistics GmbH",
    "Phone" => "4930123456789", "Title" => "Marketing Manager", "City" => "Dresden",
    "PostalCode" => "01067", "Country" => "Germany", "DateOfBirth" => "1980-05-17");

$sent = 0;
$start = microtime(true);
for ($b = 0; $b < $batches; ++$b) {
    $leads = array();
    for ($i = 0; $i < 300; ++$i) {
        $attrs = array();
        foreach ($fields as $name => $value) {
            $a = new stdClass();
            $a->attrName = $name;
            $a->attrValue = $value;
            $attrs[] = $a;
        }
        $attrList = new stdClass();
        $attrList->attribute = $attrs;
        $lead = new stdClass();
        $lead->Email = "php.peer." . ($b * 300 + $i) . "@example.com";
        $lead->leadAttributeList = $attrList;
        $leads[] = $lead;
    }
    $list = new stdClass();
    $list->leadRecord = $leads;
    $params = new stdClass();
    $params->leadRecordList = $list;
    $params->dedupEnabled = true;

    $timeStamp = (new DateTime("now"))->format(DATE_W3C);
    $auth = new stdClass();
    $auth->mktowsUserId = $userId;
    $auth->requestSignature = hash_hmac("sha1", $timeStamp . $userId, $secretKey);
    $auth->requestTimestamp = $timeStamp;
    $header = new SoapHeader($ns, "AuthenticationHeader", $auth);

    $result = $client->__soapCall("syncMultipleLeads", array($params), null, $header);
    $statuses = $result->result->syncStatusList->syncStatus;
    $sent += is_array($statuses) ? count($statuses) : 1;
}
$secs = microtime(true) - $start;
printf("leads=%d calls=%d seconds=%.2f leads_per_s=%.1f calls_per_s=%.3f\n", $sent, $batches, $secs, $sent / $secs, $batches / $secs);
