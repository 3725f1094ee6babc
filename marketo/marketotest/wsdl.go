package marketotest

import (
	"bytes"
	"net/http"
	"strings"
)

// wsdlTemplate describes what the sandbox implements: syncMultipleLeads
// and describeMObject, with types, element names, namespaces, message,
// portType, binding and service names copied from Marketo's 2_2 WSDL, so a
// client generated from either WSDL sends the same bytes. ADDRESS is
// replaced by the endpoint the request reached.
const wsdlTemplate = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Marketo API Version 2_2 (Leadsheet sandbox subset: syncMultipleLeads, describeMObject) -->
<wsdl:definitions xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
                  xmlns:tns="http://www.marketo.com/mktows/"
                  xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
                  xmlns:xs="http://www.w3.org/2001/XMLSchema" name="mktows" targetNamespace="http://www.marketo.com/mktows/">
  <wsdl:types>
    <xs:schema targetNamespace="http://www.marketo.com/mktows/">
      <xs:simpleType name="LeadSyncStatus">
        <xs:restriction base="xs:string">
          <xs:enumeration value="CREATED"/>
          <xs:enumeration value="UPDATED"/>
          <xs:enumeration value="FAILED"/>
        </xs:restriction>
      </xs:simpleType>
      <xs:simpleType name="ForeignSysType">
        <xs:restriction base="xs:string">
          <xs:enumeration value="CUSTOM"/>
          <xs:enumeration value="SFDC"/>
          <xs:enumeration value="NETSUITE"/>
        </xs:restriction>
      </xs:simpleType>
      <xs:complexType name="Attribute">
        <xs:sequence>
          <xs:element name="attrName" type="xs:string" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="attrType" type="xs:string" minOccurs="0" maxOccurs="1" nillable="true"/>
          <xs:element name="attrValue" type="xs:string" minOccurs="1" maxOccurs="1" nillable="false"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfAttribute">
        <xs:sequence>
          <xs:element name="attribute" type="tns:Attribute" minOccurs="0" maxOccurs="unbounded" nillable="false"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="LeadRecord">
        <xs:sequence>
          <xs:element name="Id" type="xs:int" minOccurs="0" maxOccurs="1" nillable="true"/>
          <xs:element name="Email" type="xs:string" minOccurs="0" maxOccurs="1" nillable="true"/>
          <xs:element name="ForeignSysPersonId" type="xs:string" minOccurs="0" maxOccurs="1" nillable="true"/>
          <!-- ForeignSysType must be specified when ForeignSysPersonId is present -->
          <xs:element name="ForeignSysType" type="tns:ForeignSysType" minOccurs="0" maxOccurs="1" nillable="true"/>
          <xs:element name="leadAttributeList" type="tns:ArrayOfAttribute" minOccurs="0" maxOccurs="1" nillable="true"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfLeadRecord">
        <xs:sequence>
          <xs:element name="leadRecord" type="tns:LeadRecord" minOccurs="0" maxOccurs="unbounded" nillable="false"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="MObjectMetadata">
        <xs:sequence>
          <xs:element name="name" type="xs:string" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="description" type="xs:string" minOccurs="1" maxOccurs="1" nillable="true"/>
          <xs:element name="isCustom" type="xs:boolean" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="isVirtual" type="xs:boolean" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="fieldList" type="tns:ArrayOfMObjFieldMetadata" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="updatedAt" type="xs:dateTime" minOccurs="1" maxOccurs="1" nillable="false"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="MObjFieldMetadata">
        <xs:sequence>
          <xs:element name="name" type="xs:string" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="description" type="xs:string" minOccurs="1" maxOccurs="1" nillable="true"/>
          <xs:element name="displayName" type="xs:string" minOccurs="1" maxOccurs="1" nillable="true"/>
          <xs:element name="sourceObject" type="xs:string" minOccurs="1" maxOccurs="1" nillable="true"/>
          <xs:element name="dataType" type="xs:string" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="size" type="xs:int" minOccurs="1" maxOccurs="1" nillable="true"/>
          <xs:element name="isReadonly" type="xs:boolean" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="isUpdateBlocked" type="xs:boolean" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="isName" type="xs:boolean" minOccurs="1" maxOccurs="1" nillable="true"/>
          <xs:element name="isPrimaryKey" type="xs:boolean" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="isCustom" type="xs:boolean" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="isDynamic" type="xs:boolean" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="dynamicFieldRef" type="xs:string" minOccurs="1" maxOccurs="1" nillable="true"/>
          <xs:element name="updatedAt" type="xs:dateTime" minOccurs="1" maxOccurs="1" nillable="false"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfMObjFieldMetadata">
        <xs:sequence>
          <xs:element name="field" type="tns:MObjFieldMetadata" minOccurs="0" maxOccurs="unbounded" nillable="false"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="SyncStatus">
        <xs:sequence>
          <xs:element name="leadId" type="xs:int" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="status" type="tns:LeadSyncStatus" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="error" type="xs:string" minOccurs="0" maxOccurs="1" nillable="true"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfSyncStatus">
        <xs:sequence>
          <xs:element name="syncStatus" type="tns:SyncStatus" minOccurs="0" maxOccurs="unbounded" nillable="false"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ParamsDescribeMObject">
        <xs:sequence>
          <xs:element name="objectName" type="xs:string" minOccurs="1" maxOccurs="1" nillable="false"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ParamsSyncMultipleLeads">
        <xs:sequence>
          <xs:element name="leadRecordList" type="tns:ArrayOfLeadRecord" minOccurs="1" maxOccurs="1" nillable="false"/>
          <xs:element name="dedupEnabled" type="xs:boolean" minOccurs="0"  maxOccurs="1" nillable="true"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ResultDescribeMObject">
        <xs:sequence>
          <xs:element name="metadata" type="tns:MObjectMetadata" minOccurs="1" maxOccurs="1"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ResultSyncMultipleLeads">
        <xs:sequence>
          <xs:element name="syncStatusList" type="tns:ArrayOfSyncStatus" minOccurs="1" maxOccurs="1"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="SuccessDescribeMObject">
         <xs:sequence>
          <xs:element name="result" type="tns:ResultDescribeMObject" minOccurs="1" maxOccurs="1"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="SuccessSyncMultipleLeads">
        <xs:sequence>
          <xs:element name="result" type="tns:ResultSyncMultipleLeads" minOccurs="1" maxOccurs="1"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="AuthenticationHeaderInfo">
        <xs:sequence>
          <xs:element name="mktowsUserId" type="xs:string" minOccurs="1" maxOccurs="1"/>
          <xs:element name="requestSignature" type="xs:string" minOccurs="1" maxOccurs="1"/>
          <xs:element name="requestTimestamp" type="xs:string" minOccurs="1" maxOccurs="1"/>
          <xs:element name="audit" type="xs:string" minOccurs="0" maxOccurs="1"/>
          <xs:element name="mode" type="xs:int" minOccurs="0" maxOccurs="1"/>
        </xs:sequence>
      </xs:complexType>
      <xs:element name="AuthenticationHeader" type="tns:AuthenticationHeaderInfo"/>
      <xs:element name="paramsDescribeMObject" type="tns:ParamsDescribeMObject"/>
      <xs:element name="paramsSyncMultipleLeads" type="tns:ParamsSyncMultipleLeads"/>
      <xs:element name="successDescribeMObject" type="tns:SuccessDescribeMObject"/>
      <xs:element name="successSyncMultipleLeads" type="tns:SuccessSyncMultipleLeads"/>
    </xs:schema>
  </wsdl:types>

  <wsdl:message name="AuthenticationHeader">
    <wsdl:part name="authentication" element="tns:AuthenticationHeader"/>
  </wsdl:message>
  <wsdl:message name="DescribeMObjectRequest">
    <wsdl:part name="paramsDescribeMObject" element="tns:paramsDescribeMObject"/>
  </wsdl:message>
  <wsdl:message name="DescribeMObjectResponse">
    <wsdl:part name="successDescribeMObject" element="tns:successDescribeMObject"/>
  </wsdl:message>
  <wsdl:message name="SyncMultipleLeadsRequest">
    <wsdl:part name="paramsSyncMultipleLeads" element="tns:paramsSyncMultipleLeads"/>
  </wsdl:message>
  <wsdl:message name="SyncMultipleLeadsResponse">
    <wsdl:part name="successSyncMultipleLeads" element="tns:successSyncMultipleLeads"/>
  </wsdl:message>

  <wsdl:portType name="MktowsPort">
    <wsdl:operation name="describeMObject">
      <wsdl:documentation>Get meta data for a MObject.
      </wsdl:documentation>
      <wsdl:input message="tns:DescribeMObjectRequest"/>
      <wsdl:output message="tns:DescribeMObjectResponse"/>
    </wsdl:operation>
    <wsdl:operation name="syncMultipleLeads">
      <wsdl:documentation>Create or update one or more leads.
      </wsdl:documentation>
      <wsdl:input message="tns:SyncMultipleLeadsRequest"/>
      <wsdl:output message="tns:SyncMultipleLeadsResponse"/>
    </wsdl:operation>
  </wsdl:portType>

  <wsdl:binding name="MktowsApiSoapBinding" type="tns:MktowsPort">
      <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http" />
      <wsdl:operation name="describeMObject">
          <soap:operation soapAction="http://www.marketo.com/mktows/describeMObject" />
          <wsdl:input>
              <soap:header use="literal" part="authentication" message="tns:AuthenticationHeader" />
              <soap:body use="literal" />
          </wsdl:input>
          <wsdl:output>
              <soap:body use="literal" />
          </wsdl:output>
      </wsdl:operation>
      <wsdl:operation name="syncMultipleLeads">
          <soap:operation soapAction="http://www.marketo.com/mktows/syncMultipleLeads" />
          <wsdl:input>
              <soap:header use="literal" part="authentication" message="tns:AuthenticationHeader" />
              <soap:body use="literal" />
          </wsdl:input>
          <wsdl:output>
              <soap:body use="literal" />
          </wsdl:output>
      </wsdl:operation>
  </wsdl:binding>

  <wsdl:service name="MktMktowsApiService">
      <wsdl:port name="MktowsApiSoapPort" binding="tns:MktowsApiSoapBinding">
          <soap:address location="ADDRESS" />
      </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`

// WSDL returns the sandbox's WSDL with soap:address set to endpoint.
func WSDL(endpoint string) []byte {
	var addr bytes.Buffer
	xmlText(&addr, endpoint)
	return []byte(strings.Replace(wsdlTemplate, `location="ADDRESS"`, `location="`+strings.ReplaceAll(addr.String(), `"`, "&#34;")+`"`, 1))
}

// serveWSDL answers GET <endpoint>?WSDL. The address is the endpoint as the
// client reached it, so the WSDL works behind any host name.
func (s *Server) serveWSDL(w http.ResponseWriter, r *http.Request) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	body := WSDL(scheme + "://" + r.Host + SOAPPath)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body) //nolint:errcheck // the client went away
	}
}
